-- severity: warn
-- Shipments and inspections dated before their purchase order was placed: a year typed wrong (a January date with
-- last year's year) or an order raised after the goods had shipped. The rows are kept as dated (nothing to guess),
-- and said with their file and line: a shipment before its order reads as early, with a negative lead time.
select row_key, problem from (
    select s.source_file as file, s.source_line as line, s.source_file || ':' || s.source_line as row_key,
           'shipment ' || s.shipment_id || ' shipped on ' || strftime(s.shipped_on, '%Y-%m-%d')
           || ', before its order ' || s.po_id || ' was placed on ' || strftime(p.ordered_on, '%Y-%m-%d') as problem
    from raw.shipments s
    join raw.purchase_orders p using (po_id)
    where s.shipped_on < p.ordered_on
    union all
    select i.source_file, i.source_line, i.source_file || ':' || i.source_line,
           'inspection ' || i.inspection_id || ' (' || i.inspection_type || ') on '
           || strftime(i.inspected_on, '%Y-%m-%d') || ', before its order ' || i.po_id || ' was placed on '
           || strftime(p.ordered_on, '%Y-%m-%d')
    from raw.inspections i
    join raw.purchase_orders p using (po_id)
    where i.inspected_on < p.ordered_on
)
order by file, line
