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
        -- a blank count stays NULL: not recorded is not "0 found" (defect rates leave such a sample out)
        critical_defects,
        major_defects,
        minor_defects,
        result,
        result = 'pass' as is_passed,
        result = 'fail' as is_failed,
        -- a pre-shipment inspection that decided its lot (pass or fail); a pending one decides nothing. The same rule
        -- for frames: models/po_status.py is_decided_psi (tests/pipelines/test_sql_models.py checks they agree)
        inspection_type = 'PSI' and result in ('pass', 'fail') as is_decided_psi,
        coalesce(cost, 0) as cost,
    from source
)

select * from final
