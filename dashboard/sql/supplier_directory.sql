-- One row per supplier with what the shared filters need: type, country and the categories of its SKUs.
with suppliers as (
    select * from staging.suppliers
),

products as (
    select * from staging.products
),

final as (
    select
        suppliers.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        suppliers.country,
        coalesce(list(distinct products.category order by products.category)
            filter (where products.category is not null), []) as categories,
    from suppliers
    left join products on suppliers.supplier_id = products.supplier_id
    group by all
)

select * from final order by supplier_name, supplier_id
