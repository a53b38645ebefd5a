-- Bank accounts, cleaned: one row per account a supplier asked to be paid to; the number is already masked at
-- import (only its last 4 characters are ever stored). verified_on is kept only for a verification method that
-- counts; the date as recorded stays in verification_recorded_on.
with source as (
    select * from raw.bank_accounts
),

suppliers as (
    select * from raw.suppliers
),

methods as (
    select * from reference.bank_verification_methods
),

final as (
    select
        trim(source.bank_account_id) as bank_account_id,
        trim(source.supplier_id) as supplier_id,
        source.account_number as account_number_masked,
        nullif(trim(source.bank_name), '') as bank_name,
        upper(trim(source.bank_country)) as bank_country,
        nullif(trim(source.beneficiary), '') as beneficiary,
        source.first_seen_on,
        source.verification_method,
        -- verified only by a method that counts (reference.bank_verification_methods: an e-mail reply does not)
        case when coalesce(methods.counts_as_verification, false) then source.verified_on end as verified_on,
        source.verified_on as verification_recorded_on,
        -- an account in another country than the supplier's (a mainland supplier paid in Hong Kong) is offshore;
        -- one whose country is not known (ZZ: an account a bank statement paid, not an IBAN) is neither
        case when upper(trim(source.bank_country)) <> 'ZZ'
            then upper(trim(source.bank_country)) <> upper(trim(suppliers.country)) end as is_offshore,
        nullif(trim(source.note), '') as note,
    from source
    left join suppliers on trim(suppliers.supplier_id) = trim(source.supplier_id)
    left join methods on methods.method = source.verification_method
)

select * from final
