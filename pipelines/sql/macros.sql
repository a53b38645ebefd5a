-- Macros the staging models share, created before them (pipelines/build.py create_macros): one value per call.
-- The FX rule, defined once (pipelines/fx.py runs the same rule in validation): a blank currency is the reporting
-- currency (USD); an amount converts at the month's rate of reference.fx_rates (units of the currency per USD) of
-- its date; USD itself at 1. No rate is NULL: validation rejected such rows, checks/fx_rates_found.sql catches a bug.
create or replace macro currency_code(currency) as
    upper(coalesce(nullif(trim(currency), ''), 'USD'));

create or replace macro fx_units_per_usd(code, on_date) as
    case
        when code = 'USD' then 1.0
        else (
            select fx_rates.units_per_usd
            from reference.fx_rates as fx_rates
            where fx_rates.currency = code and fx_rates.month = strftime(on_date, '%Y-%m')
        )
    end;
