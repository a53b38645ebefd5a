-- One supplier's master data and KPIs (one row).
with suppliers as (
    select * from staging.suppliers
),

kpis as (
    select * from marts.supplier_kpis
)

select
    suppliers.*,
    kpis.* exclude (supplier_id, supplier_name, supplier_type, country),
from suppliers
left join kpis on suppliers.supplier_id = kpis.supplier_id
where suppliers.supplier_id = $supplier_id
