-- Corrective actions (CAPA) with their state as of the build date and the next lot that tested them: one row per
-- corrective action. The next lot is the supplier's first decided pre-shipment inspection after the closing date
-- (a result recorded on the CAPA itself wins).
with corrective_actions as (
    select * from staging.corrective_actions
),

inspections as (
    select * from staging.inspections
),

purchase_orders as (
    select * from staging.purchase_orders
),

build_info as (
    select * from ingest.build_info
),

decided_psi as (
    select
        inspections.inspection_id,
        inspections.inspected_on,
        inspections.result,
        purchase_orders.supplier_id,
    from inspections
    inner join purchase_orders on inspections.po_id = purchase_orders.po_id
    where inspections.is_decided_psi
),

next_lot as (
    select
        corrective_actions.capa_id,
        decided_psi.inspection_id,
        decided_psi.inspected_on,
        decided_psi.result,
        row_number() over (
            partition by corrective_actions.capa_id order by decided_psi.inspected_on, decided_psi.inspection_id
        ) as attempt,
    from corrective_actions
    inner join decided_psi
        on decided_psi.supplier_id = corrective_actions.supplier_id
        and decided_psi.inspected_on > corrective_actions.closed_on
),

final as (
    select
        corrective_actions.*,
        -- the inspection that tested it, unless the result was recorded on the CAPA (then it may be another lot)
        case when corrective_actions.next_lot_result_recorded is null then next_lot.inspection_id end
            as next_lot_inspection_id,
        case when corrective_actions.next_lot_result_recorded is null then next_lot.inspected_on end
            as next_lot_inspected_on,
        coalesce(corrective_actions.next_lot_result_recorded, next_lot.result) as next_lot_result,
        corrective_actions.closed_on is null or corrective_actions.closed_on > build_info.as_of as is_open,
        (corrective_actions.closed_on is null or corrective_actions.closed_on > build_info.as_of)
            and coalesce(corrective_actions.due_on < build_info.as_of, false) as is_overdue,
        coalesce(corrective_actions.closed_on <= build_info.as_of
            and coalesce(corrective_actions.next_lot_result_recorded, next_lot.result) = 'fail', false)
            as is_closed_but_next_lot_failed,
        case
            when corrective_actions.closed_on is null or corrective_actions.closed_on > build_info.as_of then
                case when corrective_actions.due_on < build_info.as_of then 'open, overdue' else 'open' end
            when coalesce(corrective_actions.next_lot_result_recorded, next_lot.result) = 'fail'
                then 'closed, but the next lot failed'
            when coalesce(corrective_actions.next_lot_result_recorded, next_lot.result) = 'pass'
                then 'closed, confirmed by the next lot'
            else 'closed, next lot not inspected yet'
        end as status,
    from corrective_actions
    left join next_lot on corrective_actions.capa_id = next_lot.capa_id and next_lot.attempt = 1
    cross join build_info
)

select * from final
