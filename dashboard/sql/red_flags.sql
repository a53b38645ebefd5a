-- One row per red flag of the filtered suppliers (marts.supplier_risk_score.red_flags is "flag: reason; …"), riskiest first.
with risk as (
    select * from marts.supplier_risk_score
    where red_flag_count > 0
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
),

kpis as (
    select supplier_id, supplier_name, supplier_type, spend from marts.supplier_kpis
),

flags as (
    select supplier_id, risk_score, risk_band, unnest(string_split(red_flags, '; ')) as flag_text from risk
),

final as (
    select
        kpis.supplier_name,
        kpis.supplier_type,
        flags.supplier_id,
        flags.risk_score,
        flags.risk_band,
        replace(split_part(flags.flag_text, ': ', 1), '_', ' ') as red_flag,
        substr(flags.flag_text, length(split_part(flags.flag_text, ': ', 1)) + 3) as reason,
        kpis.spend,
    from flags
    inner join kpis on flags.supplier_id = kpis.supplier_id
    where trim(flags.flag_text) <> ''
)

select * from final order by risk_score desc, spend desc, red_flag
