-- Corrective actions (CAPA) of the filtered suppliers, or of one, with their state at the build date (one row per
-- corrective action), the ones needing attention first.
with corrective_actions as (
    select * from marts.corrective_actions
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
      and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
),

suppliers as (
    select * from staging.suppliers
),

final as (
    select
        corrective_actions.capa_id,
        corrective_actions.supplier_id,
        suppliers.supplier_name,
        corrective_actions.inspection_id,
        corrective_actions.po_id,
        corrective_actions.severity,
        corrective_actions.opened_on,
        corrective_actions.due_on,
        corrective_actions.closed_on,
        corrective_actions.status,
        corrective_actions.next_lot_inspection_id,
        corrective_actions.root_cause,
        corrective_actions.action,
        corrective_actions.is_open,
        corrective_actions.is_overdue,
        corrective_actions.is_closed_but_next_lot_failed,
    from corrective_actions
    inner join suppliers on corrective_actions.supplier_id = suppliers.supplier_id
)

select * from final
order by is_overdue desc, is_closed_but_next_lot_failed desc, is_open desc, opened_on desc, capa_id
