-- severity: warn
-- Customs entries whose broker entry summary (Form 7501) declares a duty or MPF + HMF that differs from the computed one beyond the review threshold or chapter 99 numbers other than the tariff tables' (chapter_99_findings says which and why), and entry summaries whose entry number is on no shipment.
select entry_number as row_key,
    'entry summary declares duty ' || duty_summary || ', computed ' || duty_computed || ' (' || duty_status || ')'
        as problem
from marts.customs_entries
where duty_status in ('overpaid', 'underpaid')
union all
select entry_number,
    'entry summary declares MPF + HMF ' || (coalesce(mpf_summary, 0) + coalesce(hmf_summary, 0)) || ', computed '
        || (mpf_computed + hmf_computed) || ' (' || fees_status || ')'
from marts.customs_entries
where fees_status in ('overpaid', 'underpaid')
union all
select entry_number, 'entry summary chapter 99 numbers: ' || chapter_99_findings
from marts.customs_entries
where chapter_99_status = 'differs'
union all
select entry_number, 'entry summary of an entry number that no shipment carries: its figures are not in landed cost'
from marts.customs_entries
where duty_status = 'no_shipments'
