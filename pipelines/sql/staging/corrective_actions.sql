-- Corrective actions (CAPA), cleaned: one row per corrective action; the purchase order is taken from the
-- inspection it answers when not given.
with source as (
    select * from raw.corrective_actions
),

inspections as (
    select * from raw.inspections
),

final as (
    select
        trim(source.capa_id) as capa_id,
        trim(source.supplier_id) as supplier_id,
        nullif(trim(source.inspection_id), '') as inspection_id,
        coalesce(nullif(trim(source.po_id), ''), trim(inspections.po_id)) as po_id,
        source.opened_on,
        coalesce(source.severity, 'major') as severity,
        nullif(trim(source.root_cause), '') as root_cause,
        nullif(trim(source.action), '') as action,
        source.due_on,
        source.closed_on,
        source.next_lot_result as next_lot_result_recorded,
    from source
    left join inspections on trim(inspections.inspection_id) = trim(source.inspection_id)
)

select * from final
