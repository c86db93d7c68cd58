-- Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d).
-- PostgreSQL's JIT compiler spent 590 ms compiling a 20 ms health aggregate. Practica cannot
-- turn it off per connection (PgBouncer in transaction mode refuses startup options), so the
-- database does. For a database created before this file existed, run the statement by hand.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
END
$$;
