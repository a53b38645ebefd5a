-- marts.model_backtest as built.
select * from marts.model_backtest
