-- Risk-by-spend matrix: spend, open exposure and risk score of each filtered supplier (one row per supplier).
with kpis as (
    select * from marts.supplier_kpis
),

risk as (
    select * from marts.supplier_risk_score
),

final as (
    select
        kpis.supplier_id,
        kpis.supplier_name,
        kpis.supplier_type,
        kpis.country,
        kpis.spend,
        kpis.po_count,
        kpis.deposit_at_risk,
        kpis.open_exposure,
        risk.risk_score,
        risk.risk_band,
        risk.red_flag_count,
        risk.confidence,
    from kpis
    inner join risk on kpis.supplier_id = risk.supplier_id
    where $ids::varchar[] is null or list_contains($ids::varchar[], kpis.supplier_id)
)

select * from final order by risk_score desc, spend desc
