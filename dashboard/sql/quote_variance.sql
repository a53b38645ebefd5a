-- Quote-to-landed variance per supplier over its landed purchase orders delivered within the chosen months (one row per supplier), largest first.
with landed as (
    select * from marts.landed_cost_po
    where is_landed and ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($month_from::date is null or delivery_month >= $month_from::date)
        and ($month_to::date is null or delivery_month <= $month_to::date)
),

suppliers as (
    select * from staging.suppliers
),

per_supplier as (
    select
        supplier_id,
        count(*) as po_count,
        cast(sum(units_received) as bigint) as units_received,
        cast(sum(quoted_landed_cost_per_unit * units_received) as double) as quoted_total,
        cast(sum(landed_total) as double) as landed_total,
    from landed
    group by supplier_id
)

select
    per_supplier.supplier_id,
    suppliers.supplier_name,
    suppliers.supplier_type,
    per_supplier.po_count,
    per_supplier.units_received,
    per_supplier.quoted_total,
    per_supplier.landed_total,
    per_supplier.landed_total - per_supplier.quoted_total as variance,
    (per_supplier.landed_total - per_supplier.quoted_total) / nullif(per_supplier.quoted_total, 0) as variance_share,
from per_supplier
left join suppliers on per_supplier.supplier_id = suppliers.supplier_id
order by variance_share desc nulls last, per_supplier.supplier_id
