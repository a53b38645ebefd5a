-- Facts of each purchase order with a decided pre-shipment inspection (first decided PSI, returns, costs; whether a lot is mature and escaped is judged by models/po_status.py in pipelines/steps/inspection.py): one row per purchase order.
with inspections as (
    select * from staging.inspections
),

purchase_orders as (
    select * from staging.purchase_orders
),

po_facts as (
    select * from marts.po_facts
),

return_costs as (
    select * from marts.return_costs
),

quality_costs as (
    select * from staging.quality_costs
),

inspection_settings as (
    select * from reference.inspection_settings
),

settings as (
    select
        max(value) filter (where setting = 'default_inspection_level') as default_level,
    from inspection_settings
),

-- whether any return in the data names the purchase order (lot) it came from: marketplace returns reports (Amazon's)
-- do not, and without one no lot can be judged by its field returns (models.po_status.lot_judgement)
traced as (
    select count(po_id) > 0 as returns_name_lots from staging.returns
),

-- pending PSIs decide nothing; the first decided one is the lot decision, later ones are re-inspections
decided_psi as (
    select
        *,
        row_number() over (partition by po_id order by inspected_on, inspection_id) as attempt,
        count(*) over (partition by po_id) as decided_psi_count,
        last_value(result) over (
            partition by po_id order by inspected_on, inspection_id
            rows between unbounded preceding and unbounded following
        ) as last_psi_result,
    from inspections
    where is_decided_psi
),

first_psi as (
    select * from decided_psi where attempt = 1
),

lot_returns as (
    select
        po_id,
        sum(quantity) as returned_units,
        sum(quantity) filter (where is_defect_coded) as defect_return_units,
        sum(refund_amount) filter (where is_defect_coded) as defect_refunds,
        sum(quantity) filter (where is_defect_coded and is_unsellable) as unsellable_defect_units,
    from return_costs
    where po_id is not null
    group by po_id
),

lot_quality_costs as (
    select
        po_id,
        sum(amount) as quality_costs,
    from quality_costs
    where po_id is not null
    group by po_id
),

joined as (
    select
        first_psi.po_id,
        purchase_orders.supplier_id,
        purchase_orders.sku,
        first_psi.inspection_id,
        first_psi.inspected_on,
        first_psi.inspector,
        coalesce(first_psi.lot_size, purchase_orders.quantity) as lot_size,
        first_psi.lot_size is null as is_lot_size_defaulted,
        coalesce(first_psi.inspection_level, settings.default_level) as inspection_level,
        judged_aql(first_psi.aql_critical, 'critical') as aql_critical,
        judged_aql(first_psi.aql_major, 'major') as aql_major,
        judged_aql(first_psi.aql_minor, 'minor') as aql_minor,
        first_psi.inspection_level is null
            or first_psi.aql_critical is null
            or first_psi.aql_major is null
            or first_psi.aql_minor is null as is_plan_defaulted,
        first_psi.sample_size,
        first_psi.critical_defects,
        first_psi.major_defects,
        first_psi.minor_defects,
        first_psi.result = 'pass' as passed_psi,
        first_psi.decided_psi_count,
        first_psi.decided_psi_count > 1 as is_reinspected,
        first_psi.last_psi_result,
        purchase_orders.unit_price,
        purchase_orders.order_value,
        po_facts.last_delivered_on as delivered_on,
        po_facts.delivered_quantity,
        coalesce(lot_returns.returned_units, 0) as returned_units,
        coalesce(lot_returns.defect_return_units, 0) as defect_return_units,
        coalesce(lot_returns.defect_refunds, 0) as refunds,
        coalesce(lot_returns.unsellable_defect_units, 0) as unsellable_defect_units,
        coalesce(lot_quality_costs.quality_costs, 0) as quality_costs,
        traced.returns_name_lots,
    from first_psi
    inner join purchase_orders on first_psi.po_id = purchase_orders.po_id
    left join po_facts on first_psi.po_id = po_facts.po_id
    left join lot_returns on first_psi.po_id = lot_returns.po_id
    left join lot_quality_costs on first_psi.po_id = lot_quality_costs.po_id
    cross join settings
    cross join traced
),

final as (
    select
        *,
        -- NULL when the major count was left blank: unknown, not a clean sample
        case when sample_size > 0 then major_defects / sample_size end as sample_defect_rate,
        -- a written-off unit costs at least what was paid for it (the landed cost would add freight and duty)
        unsellable_defect_units * unit_price as write_offs,
    from joined
)

select * from final
