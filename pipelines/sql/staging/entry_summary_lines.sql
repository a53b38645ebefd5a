-- Customs entry summary (CBP Form 7501) lines as the broker filed them, cleaned: one row per entry, line and HTS number.
-- adcvd_cases: the AD/CVD case numbers declared (block 33B), as written; ad_duty / cvd_duty their deposits.
-- duty_program: the duty program a chapter 99 line's heading belongs to (reference.chapter_99_programs: ieepa for
-- 9903.01 and 9903.02), so every reader tells an IEEPA line by one rule.
with source as (
    select * from raw.entry_summary_lines
),

programs as (
    select
        -- digits only, so the CSV reader cannot take 9903.01.01 for a date
        cast(first_heading_digits as varchar) as first_digits,
        cast(last_heading_digits as varchar) as last_digits,
        program,
    from reference.chapter_99_programs
),

cleaned as (
    select
        *,
        regexp_replace(trim(hts_code), '[^0-9]', '', 'g') as digits,
    from source
),

final as (
    select
        trim(entry_number) as entry_number,
        line_number,
        trim(hts_code) as hts_code,
        digits as hts_digits,
        starts_with(digits, '99') as is_chapter_99,
        (
            select min(programs.program) from programs
            where starts_with(digits, '99') and digits between programs.first_digits and programs.last_digits
        ) as duty_program,
        nullif(trim(entry_type), '') as entry_type,
        entry_on,
        nullif(upper(trim(origin_country)), '') as origin_country,
        description,
        entered_value,
        nullif(trim(rate), '') as rate,
        duty,
        mpf,
        hmf,
        nullif(upper(trim(adcvd_cases)), '') as adcvd_cases,
        nullif(trim(adcvd_rate), '') as adcvd_rate,
        ad_duty,
        cvd_duty,
        liquidated_on,
        nullif(trim(liquidation_status), '') as liquidation_status,
    from cleaned
)

select * from final
