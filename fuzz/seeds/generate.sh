#!/usr/bin/env bash
# Writes the fuzzers' seed corpus: tiny synthetic PREP files, written by hand here (never
# copied from a published database), one directory per fuzz target.
#
#   fuzz/seeds/generate.sh            # (re)writes fuzz/seeds/<target>/*
#
# Idempotent: the same files every time. scripts/fuzz.sh runs it before fuzzing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
db="$here/database_reader"
cand="$here/candidaturas_reader"
mkdir -p "$db" "$cand"

summary_names='ACTAS_ESPERADAS,ACTAS_REGISTRADAS,ACTAS_FUERA_CATALOGO,ACTAS_CAPTURADAS,PORCENTAJE_ACTAS_CAPTURADAS,ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_INCONSISTENCIAS,ACTAS_NO_CONTABILIZADAS,LISTA_NOMINAL_ACTAS_CONTABILIZADAS,TOTAL_VOTOS_C_CS,TOTAL_VOTOS_S_CS,PORCENTAJE_PARTICIPACION_CIUDADANA'

# 1. The OPL 2024 dialect: BOM, UTF-8, comma, LF, apostrophes on keys, `.0` on vote totals,
#    a casilla fuera de catálogo (CONTABILIZADA 2, keys without apostrophes).
{
  printf '\xEF\xBB\xBF'
  printf 'GUBERNATURA\n'
  printf '03/06/2024 20:00 (UTC-6)\n'
  printf '\n'
  printf '%s\n' "$summary_names"
  printf '2,3,1,2,100.0000,1,50.0000,0.0000,1,750,245.0,245.0,32.6666\n'
  printf '\n'
  printf 'CLAVE_CASILLA,CLAVE_ACTA,ID_ENTIDAD,ENTIDAD,ID_DISTRITO_LOCAL,DISTRITO_LOCAL,SECCION,TIPO_CASILLA,PAN,PRI,MORENA,PAN_PRI,NO_REGISTRADOS,NULOS,TOTAL_VOTOS_CALCULADO,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n'
  printf "'210423B0100,'210423B0100G,'21,PUEBLA,'01,XICOTEPEC,'0423,B,100,40,90,5,0,10,245,750,,1\n"
  printf "'210423C0100,'210423C0100G,'21,PUEBLA,'01,XICOTEPEC,'0423,C,ILEGIBLE,SIN DATO,12,-,0,3,15,740,Excede lista nominal,0\n"
  printf '210999S0100,210999S0100G,21,PUEBLA,01,XICOTEPEC,0999,S,1,2,3,0,0,0,6,0,Fuera de catálogo,2\n'
} >"$db/opl-2024.csv"

# 2. The INE 2018/2021 dialect: no BOM, pipe, CRLF, `%` on percentages, a not-captured acta.
{
  printf 'PRESIDENCIA\r\n'
  printf '02/07/2018 20:00 (UTC-5)\r\n'
  printf '\r\n'
  printf '%s\r\n' "${summary_names//,/|}"
  printf '1|1|0|1|100.0000%%|1|100.0000%%|0.0000%%|0|500|120|120|24.0000%%\r\n'
  printf '\r\n'
  printf 'CLAVE_CASILLA|ID_ESTADO|ID_DISTRITO_FEDERAL|SECCION|TIPO_CASILLA|PAN|PRI|PRD|NULOS|TOTAL_VOTOS_CALCULADO|LISTA_NOMINAL|OBSERVACIONES|CONTABILIZADA\r\n'
  printf '010001B0100|01|01|0001|B|50|40|20|10|120|500|Acta PREP|1\r\n'
  printf '010001C0100|01|01|0001|C|-|-|-|-|-|500|SIN ACTA (Paquete no entregado)|-\r\n'
} >"$db/ine-2018-pipe-crlf.csv"

# 3. Every cell quoted, Latin-1 text, a comma inside a quoted cell, no final newline.
{
  printf 'AYUNTAMIENTOS\n'
  printf '03/06/2024 23:45 (UTC-6)\n'
  printf '\n'
  printf 'ACTAS_ESPERADAS,ACTAS_REGISTRADAS,TOTAL_VOTOS_C_CS\n'
  printf '2,2,30\n'
  printf '\n'
  printf '"CLAVE_CASILLA","ID_MUNICIPIO","MUNICIPIO","TIPO_CASILLA","PAN","MC","NULOS","LISTA_NOMINAL","OBSERVACIONES","CONTABILIZADA"\n'
  printf '"150001B0100","001","ACAMBAY","B","10","5","1","100","Todo bien, sin incidentes","1"\n'
  printf '"150001E0100","001","ACAMBAY","E","8","6","0","0","Casilla especial \xf1","1"'
} >"$db/quoted-latin1.csv"

# 4. No preamble at all: the header on the first line, one row.
{
  printf 'CLAVE_CASILLA,TIPO_CASILLA,PAN,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n'
  printf '0001B,B,7,0,20,,1\n'
} >"$db/header-only.csv"

# Candidaturas: one area for the whole election.
{
  printf 'ID_ENTIDAD,PARTIDO_CI,CANDIDATURA\n'
  printf "'21,PAN,ANA LOPEZ\n"
  printf "'21,MORENA,JUAN PEREZ\n"
  printf "'21,CAND_IND_1,\"GOMEZ, MARIA\"\n"
} >"$cand/gubernatura.csv"

# Candidaturas per area, pipe-delimited, with suplentes (one empty), Latin-1.
{
  printf 'ID_ENTIDAD|ID_MUNICIPIO_LOCAL|PARTIDO_CI|CANDIDATURA_PROPIETARIA|CANDIDATURA_SUPLENTE\n'
  printf '21|001|PAN|PE\xd1A ROSA|LUIS RUIZ\n'
  printf '21|002|PRI|CARLOS DIAZ|\n'
} >"$cand/ayuntamientos-pipe.csv"


# 3. A package manifest and its signature, separated by a NUL byte (package_check). Signed
#    once with a throw-away key whose public half is in fuzz_targets/package_check.rs; the
#    secret half was discarded.
pkg="$here/package_check"
mkdir -p "$pkg"
{
  cat <<'MANIFEST'
{
  "format": "prep-package/2",
  "institute": "IEEPUE",
  "process": "PEL2024",
  "sequence": 1,
  "corte": "2024-06-03T20:00:00-06:00",
  "created": "2024-06-03T20:00:04-06:00",
  "expires": "2024-06-04T20:00:00-06:00",
  "final": false,
  "previous": null,
  "site": {
    "corte_text": "03/06/2024 20:00 (UTC-6)",
    "index": "json/main.data.json",
    "databases": {},
    "difusores": null
  },
  "files": [
    {
      "path": "index.html",
      "sha256": "38f88099873927e1df100f45e93936f2f9f68c88990013043b86c6aa8f9a3db1",
      "size": 34
    },
    {
      "path": "json/main.data.json",
      "sha256": "603ff4b70ceeeda2a87631465b1a7089df62b5d48e4426d1bbe9bd2c219f0bfd",
      "size": 14
    }
  ]
}
MANIFEST
  printf '\0'
  cat <<'SIGNATURE'
untrusted comment: signature from minisign secret key
RUQOHIr0mEga7YQOCraN5YXDKNTcGkBWTActwJWt+HfnIWxQkZc6Oa0kKVUAmTr03B6IUaYdl75MMH0bdps9+ei3UC025x7hiA4=
trusted comment: prep sequence:1 corte:2024-06-03T20:00:00-06:00 institute:IEEPUE
JwcW4GAu1OmLG0fbX62buw3y2c3qoJaqkak5s2HQMkhKIOcZ3NZqXndU9CQ6D8XNAP+eU/xRZ7zpoCFRqCy4Cw==
SIGNATURE
} >"$pkg/signed-seed.bin"

# Dialect detection (dialect_detection): the dialects seen in published files since 2017,
# written by hand in miniature.
dia="$here/dialect_detection"
mkdir -p "$dia"

# The pre-2018 format: 10 summary fields in their order, an empty ACTAS_FUERA_CATALOGO and
# PARTICIPACION_CIUDADANA, the header starting at ID_ESTADO, `Sin dato` cells, a row cut after
# its identification columns (not captured), CRLF.
{
  printf 'Gobernador\r\n'
  printf '05/06/2017 13:00 (UTC-6)\r\n'
  printf 'ACTAS_ESPERADAS,ACTAS_FUERA_CATALOGO,ACTAS_REGISTRADAS,ACTAS_CAPTURADAS,PORCENTAJE_ACTAS_CAPTURADAS,ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_INCONSISTENCIAS,ACTAS_NO_CONTABILIZADAS,PARTICIPACION_CIUDADANA\r\n'
  printf '2,,1,1,50.0000,1,50.0000,0.0000,0,\r\n'
  printf '\r\n'
  printf 'ID_ESTADO,ESTADO,ID_DISTRITO_LOCAL,SECCION,TIPO_CASILLA,NUM_BOLETAS_EXTRAIDAS,PAN,PRI,NULOS,TOTAL_VOTOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\r\n'
  printf '5,Coahuila,1,4,B,30,10,Sin dato,1,11,500,,1\r\n'
  printf '5,Coahuila,1,4,C,Sin dato\r\n'
} >"$dia/pre-2018-cut-row.csv"

# INE 2019: `sep=|`, Latin-1, thousands separators, `'…%` percentages, d/m/yyyy corte, a
# fuera de catálogo row marked in OBSERVACIONES, apostrophes on both sides of the keys.
{
  printf 'sep=|\n'
  printf 'GUBERNATURA\n'
  printf '3/6/2019 09:15 (UTC-5)\n'
  printf 'ACTAS_ESPERADAS|ACTAS_REGISTRADAS|ACTAS_FUERA_DE_CAT\xc1LOGO|ACTAS_CAPTURADAS|PORCENTAJE_ACTAS_CAPTURADAS|LISTA_NOMINAL_ACTAS_CONTABILIZADAS\n'
  printf "1|2|1|1|'100.0000%%|4,269\n"
  printf '\n'
  printf 'CLAVE_CASILLA|CLAVE_ACTA|ID_ESTADO|SECCION|TIPO_CASILLA|PAN|NULOS|TOTAL_VOTOS|LISTA_NOMINAL|OBSERVACIONES|CONTABILIZADA\n'
  printf "'210000M0100'|'210000M010002'|21|0|M|305|17|322|4269|-|1\n"
  printf -- '-|-|21|-|-|-|-|-|-|No identificadas - Fuera del cat\xe1logo|-\n'
} >"$dia/ine-2019-sep-latin1.csv"

# IEE Sonora 2021: BOM, quoted corte line, accented summary names, some cells quoted, a fuera
# de catálogo row with `-`, apostrophes on two key columns only.
{
  printf '\xEF\xBB\xBFGUBERNATURA\n'
  printf '"07/06/2021 13:19 (UTC-7)"\n'
  printf 'ACTAS_ESPERADAS,ACTAS_REGISTRADAS,ACTAS_FUERA_CAT\xc3\x81LOGO,PORCENTAJE_ACTAS_CON_INCONSISTENCIAS\n'
  printf '1,2,1,0.0000\n'
  printf '\n'
  printf 'CLAVE_CASILLA,CLAVE_ACTA,ID_ESTADO,SECCION,TIPO_CASILLA,CC_PAN_PRI_PRD,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA,SHA,FECHA_HORA_ACOPIO\n'
  printf "'260001B0100,'260001B01002,26,0001,B,131,36,554,,1,af45,\"07/06/2021 01:51:00\"\n"
  printf -- '-,-,26,,,-,-,-,"FUERA DE CAT\xc3\x81LOGO",-,-,"06/06/2021 19:20:43"\n'
} >"$dia/sonora-2021-quoted.csv"

# Campeche 2021's corte cero: a values line one value short, empty CONTABILIZADA, bare CR.
{
  printf 'GUBERNATURA\r'
  printf '01/06/2021 18:52 (UTC-5)\r'
  printf 'ACTAS_ESPERADAS,ACTAS_REGISTRADAS,TOTAL_VOTOS_C_CS,PORCENTAJE_PARTICIPACION_CIUDADANA\r'
  printf '1,0,,0\r'
  printf '\r'
  printf 'CLAVE_CASILLA,CLAVE_ACTA,ID_ESTADO,SECCION,TIPO_CASILLA,PAN,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\r'
  printf "'040001B0100,'040001B010005,'04,'0001,B,,,557,,\r"
} >"$dia/campeche-corte-cero-cr.csv"

# Coahuila 2023: `'`-prefixed percentages; mixed line ends in the rows (Guanajuato 2021).
{
  printf 'GUBERNATURA\n'
  printf '05/06/2023 13:15 (UTC-6)\n'
  printf '\n'
  printf 'ACTAS_ESPERADAS,PORCENTAJE_ACTAS_CAPTURADAS,PORCENTAJE_PARTICIPACION_CIUDADANA\n'
  printf "2,'100.0000,'56.3520\n"
  printf '\n'
  printf 'CLAVE_CASILLA,CLAVE_ACTA,ID_ENTIDAD,TIPO_CASILLA,PAN,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n'
  printf "'050000M0000,'050000M00002,'05,M,199,8,22818,-,1\r\n"
  printf "'050001B0100,'050001B01002,'05,B,20,1,500, ,1\n"
} >"$dia/coahuila-2023-apostrophe-percent.csv"

echo "seeds: wrote $(find "$dia" -type f | wc -l) dialect_detection inputs under $dia"
echo "seeds: wrote $(find "$db" -type f | wc -l) database, $(find "$cand" -type f | wc -l) candidaturas and $(find "$pkg" -type f | wc -l) package inputs under $here"
