-- The score's raw late and first-PSI failure rates equal marts.supplier_kpis (shared definitions): returns offending suppliers.
-- (The defect-return rate is not compared: the score counts only sales months that have ended by its cutoff.)
with signals as (
    select * from marts.supplier_signals
),

kpis as (
    select * from marts.supplier_kpis
),

raw_rates as (
    select
        supplier_id,
        max(raw_value) filter (where signal = 'late_rate') as late_rate,
        max(raw_value) filter (where signal = 'psi_failure_rate') as psi_failure_rate,
        max(raw_value) filter (where signal = 'defect_return_rate') as defect_return_rate,
        max(evidence_n) filter (where signal = 'late_rate') as resolved_po_count,
        max(evidence_n) filter (where signal = 'psi_failure_rate') as inspected_po_count,
    from signals
    group by supplier_id
),

final as (
    select
        kpis.supplier_id,
        kpis.on_time_rate,
        raw_rates.late_rate,
        kpis.first_pass_rate,
        raw_rates.psi_failure_rate,
        kpis.defect_return_rate,
        raw_rates.defect_return_rate as signal_defect_return_rate,
    from kpis
    inner join raw_rates on kpis.supplier_id = raw_rates.supplier_id
    where abs(coalesce(1 - kpis.on_time_rate, -1) - coalesce(raw_rates.late_rate, -1)) > 1e-9
        or abs(coalesce(1 - kpis.first_pass_rate, -1) - coalesce(raw_rates.psi_failure_rate, -1)) > 1e-9
        or kpis.resolved_po_count <> raw_rates.resolved_po_count
        or kpis.inspected_po_count <> raw_rates.inspected_po_count
)

select * from final
