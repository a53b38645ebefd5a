-- severity: warn
-- Payments dated months before their purchase order was placed, and shipments, inspections and payments dated years
-- after it: a year typed wrong (2001 for 2025) or a row naming the wrong order. A deposit paid on a proforma invoice
-- a few weeks before the order was entered, or a long production run, is normal; how far is too far is set in
-- data/reference/kpi_settings.csv (payment_before_order_days, date_after_order_days). The rows are kept as dated.
--
-- For engineers: raw rows joined to raw.purchase_orders by po_id; a setting missing from reference.kpi_settings
-- turns its half of the check off.
with settings as (
    select
        max(value) filter (where setting = 'payment_before_order_days') as before_days,
        max(value) filter (where setting = 'date_after_order_days') as after_days
    from reference.kpi_settings
),

dated as (
    select s.source_file as file, s.source_line as line, 'shipment ' || s.shipment_id || ' shipped' as what,
           s.shipped_on as on_date, p.po_id, p.ordered_on
    from raw.shipments s join raw.purchase_orders p using (po_id)
    union all
    select i.source_file, i.source_line, 'inspection ' || i.inspection_id || ' (' || i.inspection_type || ') on',
           i.inspected_on, p.po_id, p.ordered_on
    from raw.inspections i join raw.purchase_orders p using (po_id)
    union all
    select y.source_file, y.source_line, 'payment ' || y.payment_id || ' paid', y.paid_on, p.po_id, p.ordered_on
    from raw.payments y join raw.purchase_orders p using (po_id)
)

select file || ':' || line as row_key,
    what || ' ' || strftime(on_date, '%Y-%m-%d') || ', '
        || format('{:,}', abs(date_diff('day', ordered_on, on_date))) || ' days '
        || case when on_date < ordered_on then 'before' else 'after' end
        || ' its order ' || po_id || ' was placed on ' || strftime(ordered_on, '%Y-%m-%d') as problem
from dated, settings
where (what like 'payment %' and date_diff('day', on_date, ordered_on) > before_days)
   or date_diff('day', ordered_on, on_date) > after_days
order by file, line
