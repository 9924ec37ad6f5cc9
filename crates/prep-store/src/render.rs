//! A snapshot as rows of the published database: the cells of each acta in a given header
//! layout, written as IEE Puebla 2024 writes them (`-` for what is not captured yet; an acta
//! fuera de catálogo shows only its entidad, UBICACION_CASILLA 3, its legend and its image
//! data), unless the source database showed another way ([`RowStyle`]). A corte builder
//! writes these rows with `prep_csv::TableWriter` in its dialect.

use crate::{Snapshot, SnapshotActa};
use prep_model::{CasillaType, CatalogueEntry, Value};
use serde::{Deserialize, Serialize};
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

impl Source {
    /// True for the cells of an acta fuera de catálogo that come from its capture (its
    /// entidad, legend and image data); the others are the same on every such row, or
    /// printed as read ([`Source::identifies`]). CLAVE_ACTA is not printed (IEE Puebla
    /// 2024, IEC Coahuila 2023) unless every such row shows the same (`-`, Sonora 2021).
    fn captured_fuera(&self) -> bool {
        self.detail() || matches!(self, Source::IdEntidad | Source::Observaciones)
    }

    /// True for the identification cells an acta fuera de catálogo may print as read.
    fn identifies(&self) -> bool {
        matches!(
            self,
            Source::ClaveCasilla
                | Source::IdArea
                | Source::Area
                | Source::Seccion
                | Source::IdCasilla
                | Source::TipoCasilla
                | Source::ExtContigua
                | Source::TipoActa
        )
    }

    /// True for the detail cells of a capture ([`crate::ActaDetails`]'s texts).
    fn detail(&self) -> bool {
        matches!(
            self,
            Source::Mecanismos
                | Source::Codigo
                | Source::Acopio
                | Source::Captura
                | Source::Verificacion
                | Source::Origen
                | Source::Digitalizacion
                | Source::TipoDocumento
        )
    }
}

/// True when a header column is one of the identification cells an acta fuera de catálogo
/// may print as read (SECCION, ID_CASILLA, TIPO_CASILLA, …).
pub fn is_identification(name: &str) -> bool {
    source_of(name).identifies()
}

/// What a row of a source database is, for [`RowLayout::learn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A captured acta of the catalogue, not a sin acta.
    Captured,
    /// A sin acta.
    SinActa,
    /// An acta fuera de catálogo.
    Fuera,
    /// Not captured yet.
    NotCaptured,
}

/// How an institute's database prints what the store does not decide cell by cell, learned
/// from a database it published ([`RowLayout::learn`]) so that a corte prints rows as it
/// did. The default is IEE Puebla 2024's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowStyle {
    /// Per header column, the cell every row fuera de catálogo printed where the cell does
    /// not come from the capture (`-` in IEE Sonora 2021's votes and CONTABILIZADA, an
    /// empty ENTIDAD in IEC Coahuila 2023's); `None` where rows differed or none was seen.
    /// Empty when no row was fuera de catálogo.
    #[serde(default)]
    pub fuera: Vec<Option<String>>,
    /// TOTAL_VOTOS_CALCULADO of a sin acta prints its vote cells' text (`-`, Sonora 2021;
    /// `Sin Acta`, Coahuila 2023) rather than `0`.
    #[serde(default)]
    pub sin_acta_total_as_votes: bool,
    /// TOTAL_VOTOS_CALCULADO of an acta none of whose vote cells holds a number prints
    /// their text (`Ilegible`, Sonora 2021) rather than `0`.
    #[serde(default)]
    pub unreadable_total_as_votes: bool,
    /// The header columns of capture details (CODIGO_INTEGRIDAD, FECHA_HORA_*, …) that a
    /// captured acta without that detail prints empty rather than `-` (SHA of Sonora 2021's
    /// sin actas).
    #[serde(default)]
    pub absent_empty: Vec<usize>,
}

/// The cells of a header, mapped once to where each comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLayout {
    sources: Vec<Source>,
    /// The header's names, trimmed.
    names: Vec<String>,
    style: RowStyle,
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
        RowLayout {
            sources,
            names: header
                .iter()
                .map(|h| h.as_ref().trim().to_owned())
                .collect(),
            style: RowStyle::default(),
        }
    }

    /// This layout printing rows in `style`.
    pub fn styled(mut self, style: RowStyle) -> RowLayout {
        self.style = style;
        self
    }

    /// The style of a source database's rows, each of which is given with its kind, as
    /// cells in this layout's header.
    pub fn learn<'r>(&self, rows: impl IntoIterator<Item = (RowKind, &'r [Value])>) -> RowStyle {
        let width = self.sources.len();
        let mut fuera: Vec<Option<Option<String>>> = vec![None; width];
        let mut fuera_seen = false;
        let calculado = self.sources.iter().position(|s| *s == Source::Calculado);
        let first_vote = self
            .sources
            .iter()
            .position(|s| matches!(s, Source::Vote(_)));
        // (rows seen, rows whose total is their vote cells' text), per kind.
        let (mut sin_acta, mut unreadable) = ((0, 0), (0, 0));
        let mut absent_empty = std::collections::BTreeSet::new();
        for (kind, row) in rows {
            let cell = |i: usize| row.get(i).map(ToString::to_string).unwrap_or_default();
            match kind {
                RowKind::Fuera => {
                    fuera_seen = true;
                    for (i, slot) in fuera.iter_mut().enumerate() {
                        let c = cell(i);
                        *slot = match slot.take() {
                            None => Some(Some(c)),
                            Some(Some(prev)) if prev == c => Some(Some(prev)),
                            Some(_) => Some(None),
                        };
                    }
                }
                RowKind::Captured | RowKind::SinActa => {
                    for (i, s) in self.sources.iter().enumerate() {
                        if s.detail() && cell(i).trim().is_empty() {
                            absent_empty.insert(i);
                        }
                    }
                    let votes = || {
                        self.sources
                            .iter()
                            .zip(row)
                            .filter(|(s, _)| matches!(s, Source::Vote(_)))
                            .map(|(_, v)| v)
                    };
                    let no_number = votes().all(|v| v.number().is_none());
                    let (Some(t), Some(v)) = (calculado, first_vote) else {
                        continue;
                    };
                    let as_votes = row
                        .get(t)
                        .is_some_and(|total| total.number().is_none() && row.get(v) == Some(total));
                    let tally = match kind {
                        RowKind::SinActa => &mut sin_acta,
                        _ if no_number => &mut unreadable,
                        _ => continue,
                    };
                    tally.0 += 1;
                    tally.1 += usize::from(as_votes);
                }
                RowKind::NotCaptured => {}
            }
        }
        let fuera = if fuera_seen {
            fuera
                .into_iter()
                .zip(&self.sources)
                .map(|(cell, s)| cell.flatten().filter(|_| !s.captured_fuera()))
                .collect()
        } else {
            Vec::new()
        };
        let all = |(seen, as_votes): (usize, usize)| seen > 0 && seen == as_votes;
        RowStyle {
            fuera,
            sin_acta_total_as_votes: all(sin_acta),
            unreadable_total_as_votes: all(unreadable),
            absent_empty: absent_empty.into_iter().collect(),
        }
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
    let style = &layout.style;
    match &acta.entry {
        Some(e) => out.extend(layout.sources.iter().enumerate().map(|(i, s)| {
            let cell = expected_cell(acta, e, s, style);
            let absent = acta.capture.is_some() && s.detail() && cell == Value::Dash;
            if absent && style.absent_empty.contains(&i) {
                Value::Empty
            } else {
                cell
            }
        })),
        None => out.extend(layout.sources.iter().enumerate().map(|(i, s)| {
            let read = acta
                .capture
                .as_ref()
                .and_then(|c| c.details.published.as_ref())
                .and_then(|p| p.identification.get(column_name(layout, i)?))
                .filter(|_| s.identifies());
            match (read, style.fuera.get(i).cloned().flatten()) {
                (Some(cell), _) => text(cell),
                (None, Some(cell)) => text(&cell),
                (None, None) => fuera_cell(acta, s, entidades),
            }
        })),
    }
}

/// The header name of column `i` where the layout keeps it (identification columns).
fn column_name(layout: &RowLayout, i: usize) -> Option<&str> {
    layout.names.get(i).map(String::as_str)
}

fn text(s: &str) -> Value {
    Value::parse(s)
}

fn opt(s: Option<&String>, absent: Value) -> Value {
    s.map_or(absent, |s| text(s))
}

/// A cell of an acta of the catalogue.
fn expected_cell(acta: &SnapshotActa, e: &CatalogueEntry, s: &Source, style: &RowStyle) -> Value {
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
            let as_votes = c.filter(|c| {
                if c.details.sin_acta.is_some() {
                    style.sin_acta_total_as_votes
                } else {
                    style.unreadable_total_as_votes && c.votes.iter().all(|v| v.number().is_none())
                }
            });
            match as_votes.and_then(|c| c.votes.first()) {
                Some(v) => v.clone(),
                None => Value::Number(c.and_then(|c| c.classification.total_votos).unwrap_or(0)),
            }
        }
        Source::ListaNominal => Value::Number(e.lista_nominal),
        // The LEEME: N/A on voto anticipado, prisión preventiva and abroad actas.
        Source::Representantes => match e.casilla_type {
            CasillaType::VotoAnticipado
            | CasillaType::PrisionPreventiva
            | CasillaType::MesaExtranjero => Value::NotApplicable,
            _ => Value::Number(e.representantes),
        },
        Source::Observaciones => c.map_or(Value::Dash, legend),
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

/// OBSERVACIONES of a captured acta: as its institute printed it when the capture carries
/// that ([`crate::PublishedClassification`]), else the legend of its classification.
fn legend(c: &crate::CapturedActa) -> Value {
    match &c.details.published {
        Some(p) => text(&p.observaciones),
        None => text(c.classification.observations.puebla_legend()),
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
        Source::Observaciones => legend(c),
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
