-- Customs entries with an imported broker entry summary, declared beside computed duty and fees (one row per entry).
with entries as (
    select * from marts.customs_entries
    where has_entry_summary
),

in_scope as (
    select entry_ref from entries_in_scope($ids, $supplier_id, $sku)
),

final as (
    select
        entries.entry_number,
        entries.entry_on_summary,
        entries.shipment_count,
        cast(entries.duty_summary as double) as duty_summary,
        cast(entries.duty_computed as double) as duty_computed,
        cast(entries.duty_difference as double) as duty_difference,
        entries.duty_status,
        cast(coalesce(entries.mpf_summary, 0) + coalesce(entries.hmf_summary, 0) as double) as fees_summary,
        cast(entries.mpf_computed + entries.hmf_computed as double) as fees_computed,
        entries.fees_status,
        cast(entries.adcvd_summary as double) as adcvd_summary,
        entries.adcvd_cases,
        entries.chapter_99_summary,
        entries.chapter_99_expected,
        entries.chapter_99_status,
        entries.chapter_99_findings,
        -- the duty and the chapter 99 numbers agree with the tables (the Costs page puts reviewed entries between)
        entries.duty_status = 'match' and coalesce(entries.chapter_99_status, '') <> 'differs' as is_match,
    from entries
    -- An entry summary whose entry number no shipment carries is shown only when nothing is filtered.
    where entries.entry_ref in (select entry_ref from in_scope)
        or (entries.shipment_count = 0 and $ids::varchar[] is null and $supplier_id::varchar is null
            and $sku::varchar is null)
    -- mismatches first: a duty that differs, or chapter 99 numbers that do
    order by is_match, abs(coalesce(entries.duty_difference, 0)) desc, entries.entry_number
)

select * from final
