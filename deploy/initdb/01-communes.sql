-- One role and one schema per commune, the role owning only its schema: a commune's bot can
-- neither read nor change another's tables, even by naming them (run once, by the server's
-- superuser; the official image runs this file when it creates the database).
-- Change the passwords (ALTER ROLE … PASSWORD '…') before the server leaves the test bench.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE doithoai FROM PUBLIC;

CREATE ROLE xa_binh_lu LOGIN PASSWORD 'xa_binh_lu';
GRANT CONNECT ON DATABASE doithoai TO xa_binh_lu;
CREATE SCHEMA xa_binh_lu AUTHORIZATION xa_binh_lu;

CREATE ROLE phuong_tan_phong LOGIN PASSWORD 'phuong_tan_phong';
GRANT CONNECT ON DATABASE doithoai TO phuong_tan_phong;
CREATE SCHEMA phuong_tan_phong AUTHORIZATION phuong_tan_phong;
