-- One row per filtered supplier with a red flag (marts.supplier_red_flags), riskiest first: its flags as codes joined
-- by commas (in words on the page) and their reasons, for the download.
with risk as (
    select * from marts.supplier_risk_score
    where red_flag_count > 0
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
),

kpis as (
    select supplier_id, supplier_name, supplier_type, spend from marts.supplier_kpis
),

flags as (
    select
        supplier_id,
        count(*) as red_flag_count,
        string_agg(flag, ',' order by flag) as red_flags,
        string_agg(reason, ' | ' order by flag) as reasons,
    from marts.supplier_red_flags
    group by supplier_id
),

final as (
    select
        kpis.supplier_name,
        kpis.supplier_type,
        risk.supplier_id,
        risk.risk_score,
        risk.risk_band,
        flags.red_flag_count,
        flags.red_flags,
        flags.reasons,
        kpis.spend,
    from flags
    inner join risk on flags.supplier_id = risk.supplier_id
    inner join kpis on flags.supplier_id = kpis.supplier_id
)

select * from final order by risk_score desc, spend desc, supplier_id
