-- Customs entries whose imported entry summary declares IEEPA duty, with its refunds: one row per entry.
-- The entry summary is the broker's Form 7501 lines or the importer's ACE report ES-003; an IEEPA line is one whose
-- heading staging.entry_summary_lines.duty_program gives as ieepa (9903.01.01-.99, 9903.02.01-.99). What was
-- declared and deposited, not what the tariff tables compute: the entries to claim back after Learning Resources v.
-- Trump (2026-02-20), and the refunds recorded. The windows to claim run from the entry's liquidation
-- (reference.refund_windows: CAPE phase 1 within 80 days of it, a protest within 180), judged on the build's as-of
-- date, and whether a CAPE phase 1 declaration takes the entry.
with lines as (
    select * from staging.entry_summary_lines
),

build_info as (
    select * from ingest.build_info
),

windows as (
    select
        max(days_after_liquidation) filter (where "window" = 'protest') as protest_days,
        max(days_after_liquidation) filter (where "window" = 'cape_phase_1') as cape_days,
    from reference.refund_windows
),

-- the entry's liquidation and type, as its lines give them (an entry is liquidated whole)
liquidations as (
    select
        entry_ref_of(entry_number) as entry_ref,
        max(liquidated_on) as liquidated_on,
        max(liquidation_status) as liquidation_status,
        max(entry_type) as entry_type,
    from lines
    group by entry_ref_of(entry_number)
),

ieepa_lines as (
    select
        entry_ref_of(lines.entry_number) as entry_ref,
        lines.entry_number,
        lines.entry_on,
        lines.hts_code,
        lines.duty,
    from lines
    -- a line with duty: an exemption heading (goods of Annex II, goods in transit) declares none: nothing to refund
    where lines.duty_program = 'ieepa' and lines.duty > 0
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

-- every refund with its entry: a refund names its entry, or a shipment whose entry it is
entry_refunds as (
    select
        refunds.*,
        entry_ref_of(coalesce(refunds.entry_number, shipments.entry_number)) as entry_ref,
    from staging.duty_refunds as refunds
    left join staging.shipments as shipments on refunds.shipment_id = shipments.shipment_id
),

refunds as (
    select
        entry_ref,
        count(*) as refund_count,
        sum(amount_claimed) as refund_claimed,
        sum(amount_received) as refund_received,
    from entry_refunds
    where program = 'ieepa'
    group by entry_ref
),

-- the entry's other claims that keep it off a CAPE phase 1 declaration: a protest still open (no money back on it
-- yet) or a drawback claim
other_claims as (
    select
        entry_ref,
        bool_or(program = 'protest' and received_on is null) as protest_open,
        bool_or(program = 'drawback') as on_drawback,
    from entry_refunds
    where program in ('protest', 'drawback')
    group by entry_ref
),

shipments as (
    select
        entry_ref_of(entry_number) as entry_ref,
        count(*) as shipment_count,
    from staging.shipments
    where entry_ref_of(entry_number) is not null
    group by entry_ref_of(entry_number)
),

entries as (
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
        liquidations.liquidated_on,
        liquidations.liquidation_status,
        liquidations.entry_type,
        coalesce(other_claims.protest_open, false) as protest_open,
        coalesce(other_claims.on_drawback, false) as on_drawback,
        liquidations.liquidated_on + cast(windows.cape_days as integer) as cape_phase_1_by,
        liquidations.liquidated_on + cast(windows.protest_days as integer) as protest_by,
        build_info.as_of,
    from declared
    cross join build_info
    cross join windows
    left join refunds on declared.entry_ref = refunds.entry_ref
    left join shipments on declared.entry_ref = shipments.entry_ref
    left join liquidations on declared.entry_ref = liquidations.entry_ref
    left join other_claims on declared.entry_ref = other_claims.entry_ref
),

final as (
    select
        * exclude (as_of),
        -- where a claim stands on the as-of date: not_liquidated (not liquidated yet, its liquidation suspended,
        -- extended or under review, or a scheduled date: CAPE phase 1 takes it), cape_phase_1 (liquidated within
        -- its days), protest (past them, within the protest's), protest_closed (past both: the liquidation is
        -- final; CBP announced a later CAPE phase for such entries), unknown (no liquidation date or status in the
        -- data)
        case
            when regexp_matches(lower(coalesce(liquidation_status, '')),
                                '^(unliquidated|suspended|extended|under review)') then 'not_liquidated'
            when liquidated_on is null then 'unknown'
            when liquidated_on > as_of then 'not_liquidated'
            when as_of <= cape_phase_1_by then 'cape_phase_1'
            when as_of <= protest_by then 'protest'
            else 'protest_closed'
        end as claim_window,
        -- the entry number as a CAPE declaration lists it: 11 characters, the filer code (3 letters or digits),
        -- the filer's 7-digit number and a check digit (19 CFR 142.3a); none when the data's number is not one
        case when regexp_full_match(entry_ref, '[A-Z0-9]{3}[0-9]{8}') then entry_ref end as cape_entry_number,
    from entries
)

select
    *,
    -- the last day of the window the claim is in (none when it is not liquidated, closed or unknown)
    case claim_window when 'cape_phase_1' then cape_phase_1_by when 'protest' then protest_by end as claim_by,
    -- whether a CAPE phase 1 declaration takes the entry: declare (not liquidated, or liquidated within CAPE phase
    -- 1's days, and no IEEPA refund recorded), else why not: refunded, claim_recorded (a claim or part of the money
    -- is on record: CBP refuses an entry already declared), not_an_entry_number, open_protest (CAPE refuses an entry
    -- with an open protest), drawback (nor one on a drawback claim), entry_type (nor a type 08 USMCA duty deferral,
    -- 09 reconciliation summary or 47 drawback entry: CBP's CSMS of 2026-04-13), liquidation_unknown (import the
    -- ES-003 report, which carries it), past_phase_1 (a protest's window, or a final liquidation: a later CAPE phase)
    case
        when refund_status = 'refunded' then 'refunded'
        when refund_status in ('claimed', 'part_refunded') then 'claim_recorded'
        when cape_entry_number is null then 'not_an_entry_number'
        when protest_open then 'open_protest'
        when on_drawback then 'drawback'
        when entry_type in ('08', '09', '47') then 'entry_type'
        when claim_window = 'unknown' then 'liquidation_unknown'
        when claim_window in ('protest', 'protest_closed') then 'past_phase_1'
        else 'declare'
    end as cape_declaration,
from final
