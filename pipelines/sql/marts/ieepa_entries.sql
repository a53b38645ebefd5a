-- Customs entries whose imported entry summary declares IEEPA duty, with its refunds: one row per entry.
-- The entry summary is the broker's Form 7501 lines or the importer's ACE report ES-003; an IEEPA heading is one
-- of reference.chapter_99_programs (9903.01.01-.99, 9903.02.01-.99). What was declared and deposited, not what
-- the tariff tables compute: the entries to claim back after Learning Resources v. Trump (2026-02-20), and the
-- refunds recorded.
with lines as (
    select * from staging.entry_summary_lines
),

ieepa_headings as (
    select
        -- digits only, so the CSV reader cannot take 9903.01.01 for a date
        cast(first_heading_digits as varchar) as first_digits,
        cast(last_heading_digits as varchar) as last_digits,
    from reference.chapter_99_programs
    where program = 'ieepa'
),

ieepa_lines as (
    select
        entry_ref_of(lines.entry_number) as entry_ref,
        lines.entry_number,
        lines.entry_on,
        lines.hts_code,
        lines.duty,
    from lines
    where exists (
        select 1 from ieepa_headings
        where lines.hts_digits between ieepa_headings.first_digits and ieepa_headings.last_digits
    )
),

declared as (
    select
        entry_ref,
        min(entry_number) as entry_number,
        min(entry_on) as entry_on,
        sum(duty) as ieepa_duty_declared,
        string_agg(distinct hts_code, ', ' order by hts_code) as ieepa_headings,
    from ieepa_lines
    group by entry_ref
),

-- an IEEPA refund names its entry, or a shipment whose entry it is
refunds as (
    select
        entry_ref_of(coalesce(refunds.entry_number, shipments.entry_number)) as entry_ref,
        count(*) as refund_count,
        sum(refunds.amount_claimed) as refund_claimed,
        sum(refunds.amount_received) as refund_received,
    from staging.duty_refunds as refunds
    left join staging.shipments as shipments on refunds.shipment_id = shipments.shipment_id
    where refunds.program = 'ieepa'
    group by entry_ref_of(coalesce(refunds.entry_number, shipments.entry_number))
),

shipments as (
    select
        entry_ref_of(entry_number) as entry_ref,
        count(*) as shipment_count,
    from staging.shipments
    where entry_ref_of(entry_number) is not null
    group by entry_ref_of(entry_number)
),

final as (
    select
        declared.entry_number,
        declared.entry_ref,
        declared.entry_on,
        declared.ieepa_duty_declared,
        declared.ieepa_headings,
        coalesce(shipments.shipment_count, 0) as shipment_count,
        coalesce(refunds.refund_count, 0) as refund_count,
        refunds.refund_claimed,
        refunds.refund_received,
        -- refunded: as much came back as was declared; part_refunded: some; claimed: a claim, no money yet;
        -- not_claimed: no IEEPA refund recorded for the entry
        case
            when coalesce(refunds.refund_received, 0) >= declared.ieepa_duty_declared then 'refunded'
            when coalesce(refunds.refund_received, 0) > 0 then 'part_refunded'
            when refunds.refund_count > 0 then 'claimed'
            else 'not_claimed'
        end as refund_status,
        declared.ieepa_duty_declared - coalesce(refunds.refund_received, 0) as ieepa_duty_not_refunded,
    from declared
    left join refunds on declared.entry_ref = refunds.entry_ref
    left join shipments on declared.entry_ref = shipments.entry_ref
)

select * from final
