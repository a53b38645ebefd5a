-- Customs entry summary (CBP Form 7501) lines as the broker filed them, cleaned: one row per entry, line and HTS number.
with source as (
    select * from raw.entry_summary_lines
),

final as (
    select
        trim(entry_number) as entry_number,
        line_number,
        trim(hts_code) as hts_code,
        regexp_replace(trim(hts_code), '[^0-9]', '', 'g') as hts_digits,
        starts_with(regexp_replace(trim(hts_code), '[^0-9]', '', 'g'), '99') as is_chapter_99,
        nullif(trim(entry_type), '') as entry_type,
        entry_on,
        nullif(upper(trim(origin_country)), '') as origin_country,
        description,
        entered_value,
        nullif(trim(rate), '') as rate,
        duty,
        mpf,
        hmf,
        liquidated_on,
        nullif(trim(liquidation_status), '') as liquidation_status,
    from source
)

select * from final
