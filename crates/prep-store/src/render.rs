//! A snapshot as rows of the published database: the cells of each acta in a given header
//! layout, written as IEE Puebla 2024 writes them (`-` for what is not captured yet; an acta
//! fuera de catálogo shows only its entidad, UBICACION_CASILLA 3, its legend and its image
//! data). A corte builder writes these rows with `prep_csv::TableWriter` in its dialect.

use crate::{Snapshot, SnapshotActa};
use prep_model::{CasillaType, CatalogueEntry, Value};
use std::collections::HashMap;

/// Where the cell of one header column comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    ClaveCasilla,
    ClaveActa,
    IdEntidad,
    Entidad,
    IdArea,
    Area,
    Seccion,
    IdCasilla,
    TipoCasilla,
    ExtContigua,
    Ubicacion,
    TipoActa,
    Vote(usize),
    Asentado,
    Calculado,
    ListaNominal,
    Representantes,
    Observaciones,
    Contabilizada,
    Mecanismos,
    Codigo,
    Acopio,
    Captura,
    Verificacion,
    Origen,
    Digitalizacion,
    TipoDocumento,
    /// Any other column: a count captured under this name, `-` when absent.
    Count(String),
}

/// The cells of a header, mapped once to where each comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLayout {
    sources: Vec<Source>,
}

impl RowLayout {
    /// Maps each header name (2024 or INE 2018/2021 spelling) to its source; the names of
    /// the election's vote columns map to the votes.
    pub fn new<S: AsRef<str>>(header: &[S], vote_columns: &[String]) -> RowLayout {
        let votes: HashMap<&str, usize> = vote_columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let sources = header
            .iter()
            .map(|h| {
                let h = h.as_ref().trim();
                votes
                    .get(h)
                    .map_or_else(|| source_of(h), |&i| Source::Vote(i))
            })
            .collect();
        RowLayout { sources }
    }

    /// Number of cells in a row.
    pub fn width(&self) -> usize {
        self.sources.len()
    }

    /// The cells that are counts captured under their own column name
    /// ([`crate::ActaDetails::counts`]: TOTAL_BOLETAS_SOBRANTES, TOTAL_PERSONAS_VOTARON, …):
    /// every header column that is neither a vote column nor a field the store knows, as
    /// (position, name).
    pub fn count_columns(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Source::Count(name) => Some((i, name.as_str())),
                _ => None,
            })
    }
}

fn source_of(name: &str) -> Source {
    match name {
        "CLAVE_CASILLA" => Source::ClaveCasilla,
        "CLAVE_ACTA" => Source::ClaveActa,
        "ID_ENTIDAD" | "ID_ESTADO" => Source::IdEntidad,
        "ENTIDAD" | "ESTADO" | "NOMBRE_ESTADO" => Source::Entidad,
        "ID_DISTRITO"
        | "ID_DISTRITO_FEDERAL"
        | "ID_DISTRITO_LOCAL"
        | "ID_MUNICIPIO"
        | "ID_MUNICIPIO_LOCAL" => Source::IdArea,
        "DISTRITO" | "DISTRITO_FEDERAL" | "DISTRITO_LOCAL" | "MUNICIPIO" | "MUNICIPIO_LOCAL" => {
            Source::Area
        }
        "SECCION" => Source::Seccion,
        "ID_CASILLA" => Source::IdCasilla,
        "TIPO_CASILLA" => Source::TipoCasilla,
        "EXT_CONTIGUA" => Source::ExtContigua,
        "UBICACION_CASILLA" => Source::Ubicacion,
        "TIPO_ACTA" => Source::TipoActa,
        "TOTAL_VOTOS_ASENTADO" => Source::Asentado,
        "TOTAL_VOTOS_CALCULADO" | "TOTAL_VOTOS_CALCULADOS" | "TOTAL_VOTOS" => Source::Calculado,
        "LISTA_NOMINAL" | "LISTA_NOMINAL_CASILLA" => Source::ListaNominal,
        "REPRESENTANTES_PP_CI" => Source::Representantes,
        "OBSERVACIONES" => Source::Observaciones,
        "CONTABILIZADA" => Source::Contabilizada,
        "MECANISMOS_TRASLADO" => Source::Mecanismos,
        "CODIGO_INTEGRIDAD" | "SHA" => Source::Codigo,
        "FECHA_HORA_ACOPIO" => Source::Acopio,
        "FECHA_HORA_CAPTURA" => Source::Captura,
        "FECHA_HORA_VERIFICACION" => Source::Verificacion,
        "ORIGEN" => Source::Origen,
        "DIGITALIZACION" => Source::Digitalizacion,
        "TIPO_DOCUMENTO" => Source::TipoDocumento,
        other => Source::Count(other.to_owned()),
    }
}

impl Snapshot {
    /// The rows of the published database in `layout`, one per acta, in snapshot order.
    pub fn rows<'a>(&'a self, layout: &'a RowLayout) -> impl Iterator<Item = Vec<Value>> + 'a {
        let entidades = self.entidad_names();
        self.actas.iter().map(move |a| {
            let mut cells = Vec::with_capacity(layout.width());
            row_into(a, layout, &entidades, &mut cells);
            cells
        })
    }

    /// ID_ENTIDAD → ENTIDAD, from the catalogue (to name the entidad of an acta fuera de
    /// catálogo).
    fn entidad_names(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        for e in self.actas.iter().filter_map(|a| a.entry.as_ref()) {
            if !m.contains_key(&e.geography.id_entidad) {
                m.insert(e.geography.id_entidad.clone(), e.geography.entidad.clone());
            }
        }
        m
    }
}

/// Writes the cells of one acta into `out` (cleared first).
fn row_into(
    acta: &SnapshotActa,
    layout: &RowLayout,
    entidades: &HashMap<String, String>,
    out: &mut Vec<Value>,
) {
    out.clear();
    match &acta.entry {
        Some(e) => out.extend(layout.sources.iter().map(|s| expected_cell(acta, e, s))),
        None => out.extend(
            layout
                .sources
                .iter()
                .map(|s| fuera_cell(acta, s, entidades)),
        ),
    }
}

fn text(s: &str) -> Value {
    Value::parse(s)
}

fn opt(s: Option<&String>, absent: Value) -> Value {
    s.map_or(absent, |s| text(s))
}

/// A cell of an acta of the catalogue.
fn expected_cell(acta: &SnapshotActa, e: &CatalogueEntry, s: &Source) -> Value {
    let g = &e.geography;
    let c = acta.capture.as_ref();
    let d = c.map(|c| &c.details);
    let dash = || Value::Dash;
    match s {
        Source::ClaveCasilla => text(&e.clave_casilla),
        Source::ClaveActa => text(&e.clave_acta),
        Source::IdEntidad => text(&g.id_entidad),
        Source::Entidad => text(&g.entidad),
        Source::IdArea => text(&g.id_area),
        Source::Area => text(&g.area),
        Source::Seccion => text(&g.seccion),
        Source::IdCasilla => text(&e.id_casilla),
        Source::TipoCasilla => text(e.casilla_type.code()),
        Source::ExtContigua => text(&e.ext_contigua),
        Source::Ubicacion => Value::Number(u64::from(e.ubicacion)),
        Source::TipoActa => text(&e.tipo_acta),
        Source::Vote(i) => c
            .and_then(|c| c.votes.get(*i).cloned())
            .unwrap_or(Value::Dash),
        Source::Asentado => d.map_or(Value::Dash, |d| d.total_votos_asentado.clone()),
        Source::Calculado => {
            Value::Number(c.and_then(|c| c.classification.total_votos).unwrap_or(0))
        }
        Source::ListaNominal => Value::Number(e.lista_nominal),
        // The LEEME: N/A on voto anticipado, prisión preventiva and abroad actas.
        Source::Representantes => match e.casilla_type {
            CasillaType::VotoAnticipado
            | CasillaType::PrisionPreventiva
            | CasillaType::MesaExtranjero => Value::NotApplicable,
            _ => Value::Number(e.representantes),
        },
        Source::Observaciones => c.map_or(Value::Dash, |c| {
            text(c.classification.observations.puebla_legend())
        }),
        Source::Contabilizada => text(acta.contabilizada().code()),
        Source::Mecanismos => opt(d.and_then(|d| d.mecanismos_traslado.as_ref()), dash()),
        Source::Codigo => opt(d.and_then(|d| d.codigo_integridad.as_ref()), dash()),
        Source::Acopio => opt(d.and_then(|d| d.fecha_hora_acopio.as_ref()), dash()),
        Source::Captura => opt(d.and_then(|d| d.fecha_hora_captura.as_ref()), dash()),
        Source::Verificacion => opt(d.and_then(|d| d.fecha_hora_verificacion.as_ref()), dash()),
        Source::Origen => opt(d.and_then(|d| d.origen.as_ref()), dash()),
        Source::Digitalizacion => opt(d.and_then(|d| d.digitalizacion.as_ref()), dash()),
        Source::TipoDocumento => opt(d.and_then(|d| d.tipo_documento.as_ref()), dash()),
        Source::Count(name) => match d {
            Some(d) => d.counts.get(name).cloned().unwrap_or(Value::Dash),
            None if total_not_applicable(e.casilla_type, name) => Value::NotApplicable,
            None => Value::Dash,
        },
    }
}

/// True when an acta total is `N/A` for this kind of acta whatever is captured, as the IEE
/// Puebla 2024 LEEME prescribes and its files show even before capture: TOTAL_BOLETAS_SOBRANTES
/// and TOTAL_REP_PARTIDO_CI_VOTARON of voto anticipado and prisión preventiva actas, and every
/// total of an abroad acta.
fn total_not_applicable(t: CasillaType, column: &str) -> bool {
    match t {
        CasillaType::MesaExtranjero => matches!(
            column,
            "TOTAL_BOLETAS_SOBRANTES"
                | "TOTAL_PERSONAS_VOTARON"
                | "TOTAL_REP_PARTIDO_CI_VOTARON"
                | "TOTAL_VOTOS_SACADOS"
        ),
        CasillaType::VotoAnticipado | CasillaType::PrisionPreventiva => matches!(
            column,
            "TOTAL_BOLETAS_SOBRANTES" | "TOTAL_REP_PARTIDO_CI_VOTARON"
        ),
        _ => false,
    }
}

/// A cell of an acta fuera de catálogo.
fn fuera_cell(acta: &SnapshotActa, s: &Source, entidades: &HashMap<String, String>) -> Value {
    let Some(c) = acta.capture.as_ref() else {
        return Value::Empty;
    };
    let d = &c.details;
    let id_entidad = c
        .ident
        .id_entidad
        .clone()
        .or_else(|| c.ident.clave_acta.get(..2).map(str::to_owned));
    let empty = || Value::Empty;
    match s {
        Source::IdEntidad => opt(id_entidad.as_ref(), empty()),
        Source::Entidad => opt(id_entidad.and_then(|id| entidades.get(&id)), empty()),
        Source::Ubicacion => Value::Number(3),
        Source::Observaciones => text(c.classification.observations.puebla_legend()),
        Source::Contabilizada => text(c.classification.status.code()),
        Source::Mecanismos => opt(d.mecanismos_traslado.as_ref(), Value::Dash),
        Source::Codigo => opt(d.codigo_integridad.as_ref(), empty()),
        Source::Acopio => opt(d.fecha_hora_acopio.as_ref(), empty()),
        Source::Captura => opt(d.fecha_hora_captura.as_ref(), empty()),
        Source::Verificacion => opt(d.fecha_hora_verificacion.as_ref(), empty()),
        Source::Origen => opt(d.origen.as_ref(), empty()),
        Source::Digitalizacion => opt(d.digitalizacion.as_ref(), empty()),
        Source::TipoDocumento => opt(d.tipo_documento.as_ref(), empty()),
        _ => Value::Empty,
    }
}
