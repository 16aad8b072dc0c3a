-- Run once by the postgres image on an empty volume (docker-entrypoint-initdb.d).
-- POSTGRES_DB creates northstar; the test database lets `npm test` use this server too.
CREATE DATABASE northstar_test;
