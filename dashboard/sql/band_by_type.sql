-- Suppliers per risk band and supplier type (one row per type and band), for the filtered suppliers.
with risk as (
    select * from marts.supplier_risk_score
),

suppliers as (
    select * from staging.suppliers
)

select
    suppliers.supplier_type,
    risk.risk_band,
    count(*) as suppliers,
from risk
inner join suppliers on risk.supplier_id = suppliers.supplier_id
where $ids::varchar[] is null or list_contains($ids::varchar[], risk.supplier_id)
group by all
order by suppliers.supplier_type, risk.risk_band
