-- Inspections, cleaned: one row per inspection.
with source as (
    select * from raw.inspections
),

final as (
    select
        trim(inspection_id) as inspection_id,
        trim(po_id) as po_id,
        inspection_type,
        inspected_on,
        nullif(trim(inspector), '') as inspector,
        inspection_level,
        aql_critical,
        aql_major,
        aql_minor,
        lot_size,
        sample_size,
        coalesce(critical_defects, 0) as critical_defects,
        coalesce(major_defects, 0) as major_defects,
        coalesce(minor_defects, 0) as minor_defects,
        result,
        result = 'pass' as is_passed,
        result = 'fail' as is_failed,
        coalesce(cost, 0) as cost,
    from source
)

select * from final
