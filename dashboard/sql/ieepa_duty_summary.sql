-- The IEEPA duty to claim back on the shipments of the filtered suppliers, one supplier or one SKU: the entry
-- summary's where imported, else the tables' (marts.ieepa_duty_shipment), with how many shipments each gave (one row).
with shipments as (
    select * from marts.ieepa_duty_shipment
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

final as (
    select
        cast(coalesce(sum(ieepa_duty), 0) as double) as ieepa_duty,
        cast(coalesce(sum(ieepa_duty) filter (where ieepa_duty_source = 'entry_summary'), 0) as double)
            as ieepa_duty_declared,
        cast(coalesce(sum(ieepa_duty_computed), 0) as double) as ieepa_duty_computed,
        count(*) filter (where ieepa_duty > 0) as shipment_count,
        count(*) filter (where ieepa_duty > 0 and ieepa_duty_source = 'entry_summary') as declared_count,
    from shipments
)

select * from final
