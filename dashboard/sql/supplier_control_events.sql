-- One supplier's documented changes and corrective actions as dated events for the order timeline (one row per
-- event; a separate read so a warehouse built before these tables still shows the rest of the timeline).
with changes as (
    select * from staging.changes where supplier_id = $supplier_id
),

corrective_actions as (
    select * from marts.corrective_actions where supplier_id = $supplier_id
),

events as (
    select 'Change' as event, changed_on as event_on, po_id, null as sku, null as quantity, null as amount,
        format('{} change{}{}', replace(kind, '_', ' '),
            case when is_confirmed_in_writing then ', confirmed in writing' else ', NOT confirmed in writing' end,
            case when approved_by is not null then ', approved by ' || approved_by else '' end) as detail
    from changes
    union all
    select 'Corrective action', opened_on, po_id, null, null, null,
        format('{} {} ({}): {}', capa_id, status, severity, coalesce(root_cause, 'root cause not recorded'))
    from corrective_actions
)

select * from events where event_on is not null order by event_on, event
