-- What-if baseline, one row per SKU of the filtered suppliers (or the SKUs given): its latest quote, the landed-cost parts per unit of its recent lots, its yearly volume and what a unit sells for.
with products as (
    select * from staging.products
),

purchase_orders as (
    select * from staging.purchase_orders
),

landed_cost_po as (
    select * from marts.landed_cost_po
),

landed_cost_shipment as (
    select * from marts.landed_cost_shipment
),

sales as (
    select * from staging.sales
),

build_info as (
    select * from ingest.build_info
),

scoped as (
    select products.*
    from products
    where ($ids::varchar[] is null or list_contains($ids::varchar[], products.supplier_id))
        and ($skus::varchar[] is null or list_contains($skus::varchar[], products.sku))
),

latest_po as (
    select
        sku,
        supplier_id,
        incoterm,
        unit_price,
        ordered_on,
        row_number() over (partition by sku order by ordered_on desc, po_id desc) as recency,
    from purchase_orders
),

-- The lots landed in the year before the analysis date; a SKU without one uses all its landed lots.
landed as (
    select landed_cost_po.*
    from landed_cost_po
    where landed_cost_po.is_landed
),

recent as (
    select landed.*
    from landed, build_info
    where landed.last_delivered_on > build_info.as_of - to_days($window_days::integer)
),

lots as (
    select * from recent
    union all
    select * from landed where sku not in (select sku from recent)
),

lot_parts as (
    select
        lots.sku,
        sum(lots.units_received) as lot_units,
        sum(lots.freight) / sum(lots.units_received) as freight_pu,
        sum(lots.insurance) / sum(lots.units_received) as insurance_pu,
        (sum(lots.fees) - sum(coalesce(lots.hmf_computed, 0))) / sum(lots.units_received) as fees_pu,
        sum(coalesce(lots.hmf_computed, 0)) / sum(lots.units_received) as hmf_pu,
        sum(lots.inspection_cost) / sum(lots.units_received) as inspection_pu,
    from lots
    group by lots.sku
),

lot_shipments as (
    select
        shipments.sku,
        shipments.mode,
        shipments.quantity,
        shipments.goods_value,
        shipments.dutiable_value,
    from landed_cost_shipment as shipments
    inner join lots on shipments.po_id = lots.po_id
),

dutiable as (
    select
        sku,
        sum(dutiable_value) / nullif(sum(goods_value) filter (where dutiable_value is not null), 0) as dutiable_ratio,
        arg_max(mode, quantity) as mode,
    from lot_shipments
    group by sku
),

yearly_sales as (
    select
        sales.sku,
        sum(sales.units_sold) as units_sold,
        sum(sales.gross_revenue) / nullif(sum(sales.units_sold), 0) as net_price_pu,
        sum(sales.marketplace_fees) / nullif(sum(sales.units_sold), 0) as marketplace_fee_pu,
    from sales, build_info
    where sales.month_on > build_info.as_of - to_days($window_days::integer)
    group by sales.sku
),

final as (
    select
        scoped.sku,
        scoped.product_name,
        scoped.category,
        latest_po.supplier_id,
        scoped.hs_code,
        scoped.origin_country,
        scoped.duty_claims,
        scoped.steel_content_pct,
        scoped.aluminium_content_pct,
        latest_po.incoterm,
        coalesce(dutiable.mode, 'sea') as mode,
        cast(coalesce(nullif(yearly_sales.units_sold, 0), lot_parts.lot_units, 0) as bigint) as units,
        cast(latest_po.unit_price as double) as unit_price,
        cast(coalesce(dutiable.dutiable_ratio, 1) as double) as dutiable_ratio,
        cast(coalesce(lot_parts.freight_pu, 0) as double) as freight_pu,
        cast(coalesce(lot_parts.insurance_pu, 0) as double) as insurance_pu,
        cast(coalesce(lot_parts.fees_pu, 0) as double) as fees_pu,
        cast(coalesce(lot_parts.hmf_pu, 0) as double) as hmf_pu,
        cast(coalesce(lot_parts.inspection_pu, 0) as double) as inspection_pu,
        cast(coalesce(yearly_sales.net_price_pu, scoped.retail_price) as double) as net_price_pu,
        cast(coalesce(yearly_sales.marketplace_fee_pu, 0) as double) as marketplace_fee_pu,
        lot_parts.sku is not null as has_landed_lots,
    from scoped
    inner join latest_po on scoped.sku = latest_po.sku and latest_po.recency = 1
    left join lot_parts on scoped.sku = lot_parts.sku
    left join dutiable on scoped.sku = dutiable.sku
    left join yearly_sales on scoped.sku = yearly_sales.sku
    order by scoped.sku
)

select * from final
