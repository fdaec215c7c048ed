"""A database with the content that breaks naive backup scripts."""

TRICKY_DB = 'saas "ops"; drop-ü'

TRICKY_SQL = r'''
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'App "Writer"') THEN CREATE ROLE "App ""Writer""" LOGIN; END IF;
END $$;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA "Billing ""EU""; x";
CREATE SCHEMA données;
CREATE TABLE public."EventOrders" (id bigserial PRIMARY KEY, "paymentStatus" text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(), payload jsonb, email citext);
CREATE TABLE "Billing ""EU""; x"."Invoice; DROP TABLE x" (id int PRIMARY KEY, "amount €" numeric(12,2), note text);
CREATE TABLE données."clients à part" (id int PRIMARY KEY, nom text, avatar oid);
CREATE INDEX "idx ""orders"" status" ON public."EventOrders" ("paymentStatus");
CREATE VIEW public.failed_orders AS SELECT * FROM public."EventOrders" WHERE "paymentStatus" = 'FAILED';
INSERT INTO public."EventOrders" ("paymentStatus", payload, email, "createdAt")
  SELECT CASE WHEN g % 7 = 0 THEN 'FAILED' ELSE 'PAID' END,
         jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'ü', E'line\nbreak'), 'quote', 'it''s'),
         'User' || g || '@Example.com', '2026-01-01'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 2000) g;
INSERT INTO "Billing ""EU""; x"."Invoice; DROP TABLE x" SELECT g, g * 1.5, E'tab\there\\back' FROM generate_series(1, 300) g;
INSERT INTO données."clients à part" VALUES (1, 'Zoë 😀', lo_from_bytea(0, '\x00ff10'::bytea)),
                                           (2, NULL, lo_from_bytea(0, convert_to(repeat('große ', 1000), 'UTF8')));
GRANT USAGE ON SCHEMA données TO app_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA données TO app_reader;
GRANT SELECT, INSERT ON public."EventOrders" TO "App ""Writer""";
COMMENT ON TABLE public."EventOrders" IS 'orders; with '' quotes';
ANALYZE;
'''


def create_tricky(pg, name=TRICKY_DB):
    pg.dropdb(name)
    pg.createdb(name)
    pg.psql(TRICKY_SQL, db=name)
    return name
