-- Operational KPIs per supplier over the whole history (formulas in docs/data-contract.md): one row per supplier.
with suppliers as (
    select * from staging.suppliers
),

po_status as (
    select * from marts.po_status
),

purchase_orders as (
    select * from staging.purchase_orders
),

inspections as (
    select * from staging.inspections
),

shipments as (
    select * from staging.shipments
),

products as (
    select * from staging.products
),

sales as (
    select * from staging.sales
),

return_costs as (
    select * from marts.return_costs
),

quality_costs as (
    select * from marts.quality_costs
),

score_measures as (
    select * from marts.supplier_score_measures
),

orders as (
    select
        supplier_id,
        sum(order_value) as spend,
        count(*) as po_count,
        count(distinct sku) as sku_count,
        min(ordered_on) as first_ordered_on,
        max(ordered_on) as last_ordered_on,
        count(*) filter (where is_resolved) as resolved_po_count,
        on_time_rate_of(is_on_time, is_resolved) as on_time_rate,
        avg(case when is_otif then 1.0 else 0.0 end) filter (where is_resolved) as otif_rate,
        avg(lead_time_days) as lead_time_mean_days,
        stddev_samp(lead_time_days) as lead_time_sd_days,
        count(*) filter (where first_psi_result is not null) as inspected_po_count,
        avg(case when first_psi_result = 'pass' then 1.0 else 0.0 end)
            filter (where first_psi_result is not null) as first_pass_rate,
        sum(deposit_at_risk) as deposit_at_risk,
        sum(unshipped_value) as open_exposure,
    from po_status
    group by supplier_id
),

-- each class's rate is over the samples whose count of that class was recorded: a blank count is unknown,
-- so that inspection's sample leaves the class's denominator too (not "sampled and found 0")
psi_defects as (
    select
        purchase_orders.supplier_id,
        sum(inspections.sample_size) as units_sampled,
        sum(inspections.sample_size) filter (where inspections.critical_defects is not null) as critical_units,
        sum(inspections.sample_size) filter (where inspections.major_defects is not null) as major_units,
        sum(inspections.sample_size) filter (where inspections.minor_defects is not null) as minor_units,
        sum(inspections.critical_defects) as critical_defects,
        sum(inspections.major_defects) as major_defects,
        sum(inspections.minor_defects) as minor_defects,
    from inspections
    inner join purchase_orders on inspections.po_id = purchase_orders.po_id
    where inspections.is_decided_psi
        and inspections.sample_size > 0
    group by purchase_orders.supplier_id
),

sold as (
    select
        products.supplier_id,
        sum(sales.units_sold) as units_sold,
        -- a return rate's denominator: the channels whose returns are recorded (staging.sales.returns_recorded)
        coalesce(sum(sales.units_sold) filter (where sales.returns_recorded), 0) as units_sold_returns_recorded,
    from sales
    inner join products on sales.sku = products.sku
    group by products.supplier_id
),

returned as (
    select
        supplier_id,
        sum(quantity) as units_returned,
        coalesce(sum(quantity) filter (where is_defect_coded), 0) as defect_return_units,
    from return_costs
    group by supplier_id
),

-- The score's price measures as of the build date (models/risk_panel.py price_steps and the spend-weighted drift
-- of each SKU from its first to its latest order), read rather than defined again.
prices as (
    select
        supplier_id,
        price_drift as price_drift_pct,
        max_price_step as max_price_jump_pct,
    from score_measures
),

logistics as (
    select
        purchase_orders.supplier_id,
        count(*) as shipment_count,
        sum(shipments.customs_hold_days) as customs_hold_days,
        count(*) filter (where shipments.customs_hold_days > 0) as shipments_with_hold,
        sum(shipments.doc_errors) as doc_errors,
    from shipments
    inner join purchase_orders on shipments.po_id = purchase_orders.po_id
    group by purchase_orders.supplier_id
),

quality as (
    select
        supplier_id,
        sum(amount) as quality_cost_total,
    from quality_costs
    group by supplier_id
),

final as (
    select
        suppliers.supplier_id,
        suppliers.supplier_name,
        suppliers.supplier_type,
        suppliers.country,
        coalesce(orders.spend, 0) as spend,
        coalesce(orders.po_count, 0) as po_count,
        coalesce(orders.sku_count, 0) as sku_count,
        orders.first_ordered_on,
        orders.last_ordered_on,
        coalesce(orders.resolved_po_count, 0) as resolved_po_count,
        orders.on_time_rate,
        orders.otif_rate,
        orders.lead_time_mean_days,
        orders.lead_time_sd_days,
        coalesce(orders.inspected_po_count, 0) as inspected_po_count,
        orders.first_pass_rate,
        coalesce(psi_defects.units_sampled, 0) as units_sampled,
        psi_defects.critical_defects / nullif(psi_defects.critical_units, 0) as critical_defect_rate,
        psi_defects.major_defects / nullif(psi_defects.major_units, 0) as major_defect_rate,
        psi_defects.minor_defects / nullif(psi_defects.minor_units, 0) as minor_defect_rate,
        coalesce(sold.units_sold, 0) as units_sold,
        coalesce(sold.units_sold_returns_recorded, 0) as units_sold_returns_recorded,
        coalesce(returned.units_returned, 0) as units_returned,
        coalesce(returned.defect_return_units, 0) as defect_return_units,
        defect_return_rate_of(coalesce(returned.defect_return_units, 0), sold.units_sold_returns_recorded)
            as defect_return_rate,
        prices.price_drift_pct,
        prices.max_price_jump_pct,
        coalesce(logistics.shipment_count, 0) as shipment_count,
        coalesce(logistics.customs_hold_days, 0) as customs_hold_days,
        coalesce(logistics.shipments_with_hold, 0) as shipments_with_hold,
        coalesce(logistics.doc_errors, 0) as doc_errors,
        coalesce(quality.quality_cost_total, 0) as quality_cost_total,
        -- 0 without orders; unknown (NULL) for orders whose shipping is unknown (no shipments file: marts.po_status)
        case when orders.supplier_id is null then 0 else orders.deposit_at_risk end as deposit_at_risk,
        case when orders.supplier_id is null then 0 else orders.open_exposure end as open_exposure,
    from suppliers
    left join orders on suppliers.supplier_id = orders.supplier_id
    left join psi_defects on suppliers.supplier_id = psi_defects.supplier_id
    left join sold on suppliers.supplier_id = sold.supplier_id
    left join returned on suppliers.supplier_id = returned.supplier_id
    left join prices on suppliers.supplier_id = prices.supplier_id
    left join logistics on suppliers.supplier_id = logistics.supplier_id
    left join quality on suppliers.supplier_id = quality.supplier_id
)

select * from final
