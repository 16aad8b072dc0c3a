-- Run once by the clickhouse image on an empty volume (docker-entrypoint-initdb.d).
CREATE DATABASE IF NOT EXISTS northstar;
CREATE DATABASE IF NOT EXISTS northstar_test;
