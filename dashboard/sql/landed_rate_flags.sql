-- Duty check and rate-quality counts over the shipments of the filtered suppliers, one supplier or one SKU (one row).
with shipments as (
    select * from marts.landed_cost_shipment
    where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
        and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
        and ($sku::varchar is null or sku = $sku::varchar)
),

final as (
    select
        count(*) as shipment_count,
        count(*) filter (where is_estimated) as estimated_count,
        count(*) filter (where rates_estimated) as rates_estimated_count,
        count(*) filter (where uses_unverified_rows) as unverified_count,
        count(*) filter (where duty_source = 'unknown') as duty_unknown_count,
        count(*) filter (where duty_source = 'unknown' and duty_rows_missing is not null) as duty_rows_missing_count,
        count(*) filter (where fees_source = 'unknown') as fees_unknown_count,
        count(*) filter (where duty_status = 'match') as duty_match_count,
        count(*) filter (where duty_status = 'overpaid') as duty_overpaid_count,
        count(*) filter (where duty_status = 'underpaid') as duty_underpaid_count,
        count(*) filter (where duty_status = 'not_paid_known') as duty_not_paid_known_count,
        count(*) filter (where duty_status = 'not_computable') as duty_not_computable_count,
        cast(coalesce(sum(duty_variance) filter (where duty_status in ('overpaid', 'underpaid')), 0) as double)
            as duty_mismatch_total,
        cast(coalesce(sum(ieepa_duty_computed), 0) as double) as ieepa_duty_computed,
    from shipments
)

select * from final
