-- One supplier's bank accounts (numbers masked), oldest first, with what is new about each (one row per account).
with bank_accounts as (
    select * from marts.bank_accounts where supplier_id = $supplier_id
),

final as (
    select
        account_number_masked,
        bank_name,
        bank_country,
        beneficiary,
        first_seen_on,
        verified_on,
        replace(verification_method, '_', ' ') as verification_method,
        is_new_account,
        is_new_country,
        is_offshore,
        is_verified,
        is_unverified_change,
    from bank_accounts
)

select * from final order by first_seen_on
