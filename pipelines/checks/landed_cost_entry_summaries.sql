-- severity: warn
-- Customs entries where your broker's entry summary (CBP Form 7501) does not agree with the tariff tables: duty or
-- MPF + HMF declared above or below the computed amount by more than the review threshold (a refund to claim, or
-- duty still owed), chapter 99 numbers other than those in force on the entry date, or an entry summary whose entry
-- number no shipment carries (its figures are not in landed cost). Costs and leakage lists each entry.
--
-- For engineers: marts.customs_entries' duty_status, fees_status and chapter_99_status; chapter_99_findings says
-- which numbers and why.
select entry_number as row_key,
    'entry summary ' || entry_number || ' declares duty ' || format('${:,.2f}', duty_summary) || ', computed '
        || format('${:,.2f}', duty_computed) || ': ' || duty_status || ' by '
        || format('${:,.2f}', abs(duty_summary - duty_computed)) as problem
from marts.customs_entries
where duty_status in ('overpaid', 'underpaid')
union all
select entry_number,
    'entry summary ' || entry_number || ' declares MPF + HMF '
        || format('${:,.2f}', coalesce(mpf_summary, 0) + coalesce(hmf_summary, 0)) || ', computed ' || format('${:,.2f}', mpf_computed + hmf_computed) || ': ' || fees_status || ' by '
        || format('${:,.2f}', abs(coalesce(mpf_summary, 0) + coalesce(hmf_summary, 0) - mpf_computed - hmf_computed))
from marts.customs_entries
where fees_status in ('overpaid', 'underpaid')
union all
select entry_number, 'entry summary ' || entry_number || ' chapter 99 numbers: ' || chapter_99_findings
from marts.customs_entries
where chapter_99_status = 'differs'
union all
select entry_number,
    'entry summary ' || entry_number || ': no shipment carries this entry number, so its figures are not in landed cost'
from marts.customs_entries
where duty_status = 'no_shipments'
