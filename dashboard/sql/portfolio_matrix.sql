-- Risk-by-spend matrix: spend, open exposure and risk score of each filtered supplier (one row per supplier).
with kpis as (
    select * from marts.supplier_kpis
),

risk as (
    select * from marts.supplier_risk_score
),

po_status as (
    select * from marts.po_status
),

exposure as (
    select
        supplier_id,
        -- ordered goods not shipped yet, at the order price (what is still owed to or by the supplier)
        coalesce(sum(greatest(quantity - shipped_quantity, 0) * unit_price) filter (where is_open), 0)
            as open_exposure,
    from po_status
    group by supplier_id
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
        coalesce(exposure.open_exposure, 0) as open_exposure,
        risk.risk_score,
        risk.risk_band,
        risk.confidence,
    from kpis
    inner join risk on kpis.supplier_id = risk.supplier_id
    left join exposure on kpis.supplier_id = exposure.supplier_id
    where $ids::varchar[] is null or list_contains($ids::varchar[], kpis.supplier_id)
)

select * from final order by risk_score desc, spend desc
