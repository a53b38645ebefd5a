-- A supplier with a red flag is at least in the high band: returns the offending suppliers.
with scores as (
    select * from marts.supplier_risk_score
),

final as (
    select
        supplier_id,
        risk_score,
        risk_band,
        red_flag_count,
    from scores
    where red_flag_count > 0 and risk_band not in ('high', 'critical')
)

select * from final
