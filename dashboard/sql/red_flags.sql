-- One row per red flag of the filtered suppliers (marts.supplier_red_flags), riskiest first.
with risk as (
    select * from marts.supplier_risk_score
    where red_flag_count > 0
        and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
),

kpis as (
    select supplier_id, supplier_name, supplier_type, spend from marts.supplier_kpis
),

final as (
    select
        kpis.supplier_name,
        kpis.supplier_type,
        risk.supplier_id,
        risk.risk_score,
        risk.risk_band,
        replace(flags.flag, '_', ' ') as red_flag,
        flags.reason,
        kpis.spend,
    from marts.supplier_red_flags as flags
    inner join risk on flags.supplier_id = risk.supplier_id
    inner join kpis on flags.supplier_id = kpis.supplier_id
)

select * from final order by risk_score desc, spend desc, red_flag
