// Cliente del sitio público del PREP.
//
// Lee json/main.json una vez por actualización (sin caché) y después solo los archivos que ese
// corte nombra, que nunca cambian: así nunca muestra una mezcla de dos cortes. No construye
// rutas de datos: sigue las que dan los JSON. Todas las peticiones son al mismo origen.
'use strict';

(() => {
  const cuerpo = document.body;
  const MAIN = cuerpo.dataset.main || 'json/main.json';
  const PAGINA = cuerpo.dataset.pagina || 'index';
  const IMAGENES = cuerpo.dataset.imagenes || '';
  const AUTO_MIN = Number(cuerpo.dataset.actualizarMin || 0);
  const enteros = new Intl.NumberFormat('es-MX');

  const TIPOS = {
    B: 'básica', C: 'contigua', E: 'extraordinaria', S: 'especial',
    A: 'voto anticipado', P: 'prisión preventiva', M: 'voto desde el extranjero',
  };
  const CONTABILIZADA = { 0: 'No contabilizada', 1: 'Contabilizada', 2: 'Fuera de catálogo' };
  // Los 13 campos del resumen en el orden publicado: así llegan, como arreglo, los de una sección.
  const CAMPOS_RESUMEN = [
    'actas_esperadas', 'actas_registradas', 'actas_fuera_catalogo', 'actas_capturadas',
    'porcentaje_actas_capturadas', 'actas_contabilizadas', 'porcentaje_actas_contabilizadas',
    'porcentaje_actas_inconsistencias', 'actas_no_contabilizadas',
    'lista_nominal_actas_contabilizadas', 'total_votos_c_cs', 'total_votos_s_cs',
    'porcentaje_participacion_ciudadana',
  ];

  // El corte que se muestra: su main.json, su índice y los archivos ya leídos de ese corte.
  let corte = null;
  let turno = 0;

  // ---------------------------------------------------------------- utilidades

  /** Una ruta relativa dentro del sitio, como las que dan los JSON del paquete. */
  function rutaSegura(ruta) {
    return typeof ruta === 'string' && /^[A-Za-z0-9_.\-/]+$/.test(ruta) &&
      !ruta.startsWith('/') && !ruta.split('/').some((s) => s === '' || s === '.' || s === '..');
  }

  async function leerJson(ruta, opciones) {
    if (!rutaSegura(ruta)) throw new Error(`ruta no válida en los datos: ${ruta}`);
    const r = await fetch(ruta, opciones);
    if (!r.ok) throw new Error(`${ruta}: HTTP ${r.status}`);
    return r.json();
  }

  /** Un archivo del corte (inmutable), leído una sola vez. */
  function archivo(c, ruta) {
    let p = c.archivos.get(ruta);
    if (!p) {
      p = leerJson(ruta, {});
      c.archivos.set(ruta, p);
      p.catch(() => c.archivos.delete(ruta));
    }
    return p;
  }

  /** Crea un elemento: h('td', {class: 'num'}, 'texto', otroNodo). El texto nunca es HTML. */
  function h(etiqueta, atributos, ...hijos) {
    const el = document.createElement(etiqueta);
    for (const [k, v] of Object.entries(atributos || {})) {
      if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : v);
    }
    for (const hijo of hijos.flat()) {
      if (hijo === null || hijo === undefined || hijo === false) continue;
      el.append(hijo instanceof Node ? hijo : String(hijo));
    }
    return el;
  }

  const entero = (n) => enteros.format(n);

  /** Diezmilésimas de punto porcentual (644492) → "64.4492%": cuatro decimales, truncado. */
  function porcentaje(diezmilesimas) {
    const n = Math.max(0, Math.trunc(Number(diezmilesimas) || 0));
    return `${entero(Math.trunc(n / 10000))}.${String(n % 10000).padStart(4, '0')}%`;
  }

  /** votos / total en diezmilésimas, truncado. */
  function proporcion(votos, total) {
    return total > 0 ? Math.trunc((votos * 1000000) / total) : 0;
  }

  const enlace = (partes) => '#/' + partes.map(encodeURIComponent).join('/');

  function nombreColumna(col) {
    if (col === 'NULOS') return 'Votos nulos';
    if (col === 'NO_REGISTRADAS' || col === 'NO_REGISTRADOS') return 'Candidaturas no registradas';
    if (col.startsWith('C_')) return col.slice(2).split('_').join('-');
    return col.split('_').join(' ');
  }

  function etiquetaArea(eleccion) {
    return /AYUN|MUNICIP/i.test(`${eleccion.id} ${eleccion.title}`) ? 'Municipio' : 'Distrito';
  }

  function plural(nivel, eleccion) {
    if (nivel === 'entidad') return 'Entidades';
    if (nivel === 'seccion') return 'Secciones';
    return etiquetaArea(eleccion) === 'Municipio' ? 'Municipios' : 'Distritos';
  }

  function singular(nivel, eleccion) {
    if (nivel === 'entidad') return 'Entidad';
    if (nivel === 'seccion') return 'Sección';
    return etiquetaArea(eleccion);
  }

  function titulo(nivel, id, nombre, eleccion) {
    if (nivel === 'total') return nombre;
    if (nivel === 'entidad') return `Entidad ${id} · ${nombre}`;
    const numero = id.includes('-') ? id.slice(id.lastIndexOf('-') + 1) : id;
    return `${etiquetaArea(eleccion)} ${numero} · ${nombre}`;
  }

  let numeroTabla = 0;
  /** Una tabla con título, encabezados con scope y desplazamiento accesible en pantallas chicas. */
  function tabla(leyenda, encabezados, filas, clase) {
    const id = `tabla-${++numeroTabla}`;
    return h('div', { class: 'tabla', role: 'region', 'aria-labelledby': id, tabindex: '0' },
      h('table', { class: clase },
        h('caption', { id }, leyenda),
        h('thead', {}, h('tr', {}, encabezados.map((e, i) =>
          h('th', { scope: 'col', class: i > 0 && e.num ? 'num' : null }, e.texto || e)))),
        h('tbody', {}, filas)));
  }

  // ---------------------------------------------------------------- vistas

  function resumen(s, nombre) {
    const dato = (etiqueta, campo, valor, extra) => h('div', {},
      h('dt', {}, etiqueta),
      h('dd', {}, h('span', { 'data-campo': campo }, valor), extra || null));
    const pc = (campo) => h('span', { class: 'pct' }, ' (',
      h('span', { 'data-campo': campo }, porcentaje(s[campo])), ')');
    return h('section', { 'aria-label': `Resumen de ${nombre}` },
      h('dl', { class: 'resumen' },
        dato('Actas esperadas', 'actas_esperadas', entero(s.actas_esperadas)),
        dato('Actas capturadas', 'actas_capturadas', entero(s.actas_capturadas),
          pc('porcentaje_actas_capturadas')),
        dato('Actas contabilizadas', 'actas_contabilizadas', entero(s.actas_contabilizadas),
          pc('porcentaje_actas_contabilizadas')),
        dato('Participación ciudadana', 'porcentaje_participacion_ciudadana',
          porcentaje(s.porcentaje_participacion_ciudadana)),
        dato('Lista nominal de actas contabilizadas', 'lista_nominal_actas_contabilizadas',
          entero(s.lista_nominal_actas_contabilizadas)),
        dato('Total de votos', 'total_votos_c_cs', entero(s.total_votos_c_cs)),
        dato('Actas no contabilizadas', 'actas_no_contabilizadas', entero(s.actas_no_contabilizadas)),
        dato('Actas con inconsistencias', 'porcentaje_actas_inconsistencias',
          porcentaje(s.porcentaje_actas_inconsistencias)),
        dato('Actas fuera de catálogo', 'actas_fuera_catalogo', entero(s.actas_fuera_catalogo))));
  }

  function tablaCandidaturas(area) {
    if (!area.candidacies || area.candidacies.length === 0) return null;
    const total = area.votes.reduce((a, b) => a + b, 0);
    const filas = area.candidacies.map((c) => h('tr', { 'data-candidatura': c.candidate },
      h('th', { scope: 'row' }, c.candidate),
      h('td', { class: 'num', 'data-campo': 'votos' }, entero(c.votes)),
      h('td', { class: 'num' }, porcentaje(proporcion(c.votes, total)))));
    return tabla('Votos por candidatura', ['Candidatura',
      { texto: 'Votos', num: true }, { texto: 'Porcentaje', num: true }], filas, 'votos');
  }

  function tablaColumnas(columnas, votos, leyenda) {
    const total = votos.reduce((a, b) => a + b, 0);
    const filas = columnas.map((col, i) => h('tr', { 'data-columna': col },
      h('th', { scope: 'row' }, nombreColumna(col)),
      h('td', { class: 'num', 'data-campo': 'votos' }, entero(votos[i] || 0)),
      h('td', { class: 'num' }, porcentaje(proporcion(votos[i] || 0, total)))));
    filas.push(h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'Total'),
      h('td', { class: 'num' }, entero(total)), h('td', { class: 'num' }, porcentaje(total ? 1000000 : 0))));
    return tabla(leyenda, ['Partido o combinación',
      { texto: 'Votos', num: true }, { texto: 'Porcentaje', num: true }], filas, 'votos');
  }

  /** Las entidades, distritos o municipios un nivel abajo, con sus contadores. */
  function tablaHijos(hijos, nivel, eleccion) {
    if (hijos.length === 0) return null;
    const filas = hijos.map((hijo) => {
      const s = hijo.summary;
      return h('tr', { 'data-id': hijo.id },
        h('th', { scope: 'row' }, h('a', { href: enlace([eleccion.id, hijo.id]), 'data-nivel': hijo.level },
          titulo(hijo.level, hijo.id, hijo.name, eleccion))),
        h('td', { class: 'num' }, entero(s.actas_esperadas)),
        h('td', { class: 'num' }, entero(s.actas_capturadas)),
        h('td', { class: 'num' }, entero(s.actas_contabilizadas)),
        h('td', { class: 'num' }, porcentaje(s.porcentaje_actas_contabilizadas)),
        h('td', { class: 'num' }, porcentaje(s.porcentaje_participacion_ciudadana)),
        h('td', { class: 'num' }, entero(s.total_votos_c_cs)));
    });
    return tabla(plural(nivel, eleccion), [singular(nivel, eleccion),
      { texto: 'Actas esperadas', num: true }, { texto: 'Capturadas', num: true },
      { texto: 'Contabilizadas', num: true }, { texto: '% contabilizadas', num: true },
      { texto: 'Participación', num: true }, { texto: 'Votos', num: true }], filas, 'hijos');
  }

  /**
   * Las secciones de un distrito o municipio, de sus grupos `secciones` (las de un mismo archivo
   * de actas, con sus conteos por columnas): [{id, actas, esperadas, capturadas, contabilizadas}].
   */
  function seccionesDe(area) {
    const lista = [];
    for (const g of area.secciones || []) {
      (g.secciones || []).forEach((id, k) => lista.push({
        id,
        actas: g.actas,
        esperadas: (g.actas_esperadas || [])[k],
        capturadas: (g.actas_capturadas || [])[k],
        contabilizadas: (g.actas_contabilizadas || [])[k],
      }));
    }
    return lista;
  }

  function tablaSecciones(secciones, eleccion, area) {
    if (secciones.length === 0) return null;
    const filas = secciones.map((s) => h('tr', { 'data-id': s.id },
      h('th', { scope: 'row' }, h('a', { href: enlace([eleccion.id, area.id, 's', s.id]), 'data-nivel': 'seccion' }, s.id)),
      h('td', { class: 'num', 'data-campo': 'actas_esperadas' }, entero(s.esperadas || 0)),
      h('td', { class: 'num', 'data-campo': 'actas_capturadas' }, entero(s.capturadas || 0)),
      h('td', { class: 'num', 'data-campo': 'actas_contabilizadas' }, entero(s.contabilizadas || 0))));
    return tabla(plural('seccion', eleccion), [singular('seccion', eleccion),
      { texto: 'Actas esperadas', num: true }, { texto: 'Capturadas', num: true },
      { texto: 'Contabilizadas', num: true }], filas, 'hijos');
  }

  function migas(camino) {
    if (camino.length < 2) return null;
    return h('nav', { class: 'migas', 'aria-label': 'Ubicación' }, h('ol', {},
      camino.map((paso, i) => h('li', {}, i === camino.length - 1
        ? h('span', { 'aria-current': 'page' }, paso.texto)
        : h('a', { href: paso.href }, paso.texto)))));
  }

  /** Baja del total al área `id` siguiendo los `children` (nunca construye rutas). */
  async function buscarArea(c, eleccion, id) {
    let area = await archivo(c, eleccion.total);
    const camino = [{ texto: eleccion.title, href: enlace([eleccion.id]) }];
    while (area.id !== id) {
      const hijo = area.children.find((x) => x.id === id && x.path) ||
        area.children.find((x) => x.path && id.startsWith(`${x.id}-`));
      if (!hijo) return null;
      area = await archivo(c, hijo.path);
      camino.push({ texto: titulo(area.level, area.id, area.name, eleccion), href: enlace([eleccion.id, area.id]) });
    }
    return { area, camino };
  }

  function vistaArea(c, eleccion, area, camino) {
    const nombre = titulo(area.level, area.id, area.name, eleccion);
    const nivelHijos = area.children.length ? area.children[0].level : null;
    // La base de datos: el índice la nombra, o main.json cuando su nombre lleva la hora del corte.
    const base = eleccion.database || (c.puntero.databases || {})[eleccion.id];
    const descarga = area.level === 'total' && base && rutaSegura(base)
      ? h('p', { class: 'descarga' }, h('a', { href: base, download: '' },
        'Descargar la base de datos de este corte (CSV, comprimida)'))
      : null;
    return [
      migas(camino),
      h('h1', { tabindex: '-1' }, nombre),
      resumen(area.summary, nombre),
      tablaCandidaturas(area),
      nivelHijos ? tablaHijos(area.children, nivelHijos, eleccion) : null,
      tablaSecciones(seccionesDe(area), eleccion, area),
      tablaColumnas(eleccion.columns, area.votes,
        'Votos por partido político y combinación'),
      descarga,
    ];
  }

  /** El resumen de una sección: un arreglo de 13 valores en el orden publicado → objeto. */
  function resumenDeArreglo(valores, id) {
    if (!Array.isArray(valores) || valores.length !== CAMPOS_RESUMEN.length) {
      throw new Error(`resumen no válido de la sección ${id}`);
    }
    return Object.fromEntries(CAMPOS_RESUMEN.map((campo, k) => [campo, valores[k]]));
  }

  /**
   * Lo de una sección en el archivo de actas de su grupo (varias secciones lo comparten): sus
   * contadores y solo sus filas de casilla (por la celda SECCION; los nombres de las celdas están
   * en `fields` de la elección en el índice).
   */
  async function datosSeccion(c, eleccion, seccion) {
    const actas = await archivo(c, seccion.actas);
    const campos = eleccion.fields || [];
    const col = campos.indexOf('SECCION');
    if (col < 0) throw new Error(`el índice no nombra la celda SECCION de ${eleccion.id}`);
    const propios = (actas.secciones || []).find((s) => s.id === seccion.id);
    if (!propios) throw new Error(`${seccion.actas} no tiene los contadores de la sección ${seccion.id}`);
    return {
      campos,
      filas: (actas.rows || []).filter((r) => r[col] === seccion.id),
      resumen: resumenDeArreglo(propios.summary, seccion.id),
      votos: propios.votes || [],
    };
  }

  async function vistaSeccion(c, eleccion, area, camino, seccion) {
    const { campos, filas, resumen: contadores, votos } = await datosSeccion(c, eleccion, seccion);
    const i = (nombre) => campos.indexOf(nombre);
    const nombre = `Sección ${seccion.id}`;
    const ruta = [eleccion.id, area.id, 's', seccion.id];
    const filasTabla = filas.map((r) => h('tr', { 'data-casilla': r[i('CLAVE_CASILLA')] },
      h('th', { scope: 'row' }, h('a', { href: enlace([...ruta, 'c', r[i('CLAVE_CASILLA')]]), 'data-nivel': 'casilla' },
        r[i('CLAVE_CASILLA')])),
      h('td', {}, `${r[i('TIPO_CASILLA')]} (${TIPOS[r[i('TIPO_CASILLA')]] || 'otra'})`),
      h('td', {}, CONTABILIZADA[r[i('CONTABILIZADA')]] || r[i('CONTABILIZADA')]),
      h('td', { class: 'num' }, r[i('TOTAL_VOTOS_CALCULADO')]),
      h('td', { class: 'num' }, r[i('LISTA_NOMINAL')]),
      h('td', {}, r[i('OBSERVACIONES')].trim())));
    return [
      migas([...camino, { texto: nombre }]),
      h('h1', { tabindex: '-1' }, `${nombre} · ${titulo(area.level, area.id, area.name, eleccion)}`),
      resumen(contadores, nombre),
      tabla('Casillas', ['Casilla', 'Tipo', 'Estado del acta', { texto: 'Total de votos', num: true },
        { texto: 'Lista nominal', num: true }, 'Observaciones'], filasTabla, 'casillas'),
      tablaColumnas(eleccion.columns, votos,
        'Votos por partido político y combinación'),
    ];
  }

  async function vistaCasilla(c, eleccion, area, camino, seccion, clave) {
    const { campos, filas } = await datosSeccion(c, eleccion, seccion);
    const i = (nombre) => campos.indexOf(nombre);
    const actas = filas.filter((r) => r[i('CLAVE_CASILLA')] === clave);
    const pasos = [...camino, { texto: `Sección ${seccion.id}`, href: enlace([eleccion.id, area.id, 's', seccion.id]) },
      { texto: `Casilla ${clave}` }];
    if (actas.length === 0) return [migas(pasos), noEncontrado(`La casilla ${clave} no está en este corte.`)];
    const votos = campos.slice(i('CODIGO_INTEGRIDAD') + 1);
    return [
      migas(pasos),
      h('h1', { tabindex: '-1' }, `Casilla ${clave}`),
      actas.map((r) => {
        const celda = (nombre) => r[i(nombre)];
        const dato = (etiqueta, nombre, extra) => h('div', {}, h('dt', {}, etiqueta),
          h('dd', {}, h('span', { 'data-campo': nombre }, celda(nombre)), extra || null));
        const codigo = celda('CODIGO_INTEGRIDAD');
        const imagen = IMAGENES && /^[0-9A-Fa-f]{64}$/.test(codigo)
          ? h('p', {}, h('a', { href: IMAGENES + codigo, rel: 'noopener noreferrer', target: '_blank', class: 'imagen' },
            'Ver la imagen del acta (en el servidor de imágenes del instituto)'))
          : h('p', {}, 'Sin imagen del acta.');
        return h('section', { class: 'acta', 'aria-label': `Acta ${celda('CLAVE_ACTA')}`, 'data-acta': celda('CLAVE_ACTA') },
          h('h2', {}, `Acta ${celda('CLAVE_ACTA')}`),
          h('dl', { class: 'datos' },
            dato('Casilla', 'CLAVE_CASILLA'),
            dato('Acta', 'CLAVE_ACTA'),
            dato('Sección', 'SECCION'),
            dato('Tipo de casilla', 'TIPO_CASILLA', ` (${TIPOS[celda('TIPO_CASILLA')] || 'otra'})`),
            dato('Estado', 'CONTABILIZADA', ` (${CONTABILIZADA[celda('CONTABILIZADA')] || 'sin dato'})`),
            dato('Observaciones', 'OBSERVACIONES'),
            dato('Total de votos calculado', 'TOTAL_VOTOS_CALCULADO'),
            dato('Lista nominal', 'LISTA_NOMINAL'),
            h('div', {}, h('dt', {}, 'Código de integridad (SHA-256 de la imagen)'),
              h('dd', {}, h('code', { 'data-campo': 'CODIGO_INTEGRIDAD', class: 'codigo' }, codigo)))),
          imagen,
          tabla(`Votos del acta ${celda('CLAVE_ACTA')}, como se capturaron`, ['Partido o combinación',
            { texto: 'Votos', num: true }],
          votos.map((col) => h('tr', { 'data-columna': col }, h('th', { scope: 'row' }, nombreColumna(col)),
            h('td', { class: 'num', 'data-campo': 'votos' }, celda(col)))), 'votos'));
      }),
    ];
  }

  function noEncontrado(texto) {
    return h('p', { class: 'aviso', role: 'alert' }, texto);
  }

  /** #/eleccion/area/s/seccion/c/casilla → la vista, con los archivos del corte `c`. */
  async function vista(c, partes) {
    const elecciones = c.indice.elections;
    const eleccion = elecciones.find((e) => e.id === partes[0]) || (partes.length === 0 ? elecciones[0] : null);
    if (!eleccion) return [noEncontrado('Esa elección no está en este corte.')];
    const encontrada = await buscarArea(c, eleccion, partes[1] || '');
    if (!encontrada) return [noEncontrado(`El área ${partes[1]} no está en este corte.`)];
    const { area, camino } = encontrada;
    if (partes[2] !== 's' || partes[3] === undefined) return vistaArea(c, eleccion, area, camino);
    const seccion = seccionesDe(area).find((x) => x.id === partes[3]);
    if (!seccion) return [migas(camino), noEncontrado(`La sección ${partes[3]} no está en este corte.`)];
    if (partes[4] !== 'c' || partes[5] === undefined) return vistaSeccion(c, eleccion, area, camino, seccion);
    return vistaCasilla(c, eleccion, area, camino, seccion, partes[5]);
  }

  function partesRuta() {
    if (!location.hash.startsWith('#/')) return [];
    const hash = location.hash.slice(2);
    try {
      return hash.split('/').filter((p) => p !== '').map(decodeURIComponent);
    } catch {
      return [];
    }
  }

  // ---------------------------------------------------------------- corte y pintado

  function mostrarCorte(p) {
    const t = document.getElementById('corte');
    if (t) {
      t.textContent = p.corte;
      t.setAttribute('datetime', p.corte_rfc3339);
    }
    const fin = document.getElementById('corte-final');
    if (fin) fin.hidden = !p.final;
    for (const [campo, valor] of [['corte-vigente', p.corte], ['secuencia', String(p.sequence)],
      ['manifiesto-sha256', p.manifest_sha256]]) {
      for (const el of document.querySelectorAll(`[data-campo="${campo}"]`)) el.textContent = valor;
    }
  }

  /** La lista pública de difusores oficiales que nombra main.json; un enlace inhabilitado
   * (difusor suspendido) se muestra sin enlace. */
  async function mostrarDifusores(c) {
    const seccion = document.getElementById('difusores');
    const ruta = c.puntero.difusores;
    if (!seccion) return;
    if (!ruta) {
      seccion.hidden = true;
      return;
    }
    let lista;
    try {
      lista = await archivo(c, ruta);
    } catch {
      return;
    }
    if (c !== corte || !Array.isArray(lista)) return;
    const direccion = (u) => typeof u === 'string' && /^https?:\/\/[^\s"'<>`\\]+$/.test(u);
    const elementos = lista.map((d) => {
      const nombre = String(d.nombre || d.id || '');
      if (d.habilitado === true && direccion(d.url)) {
        return h('li', { 'data-difusor': String(d.id) }, h('a', { href: d.url, rel: 'noopener' }, nombre));
      }
      return h('li', { 'data-difusor': String(d.id), class: 'inhabilitado' },
        h('span', { 'aria-disabled': 'true' }, nombre), ' (enlace inhabilitado)');
    });
    seccion.querySelector('ul').replaceChildren(...elementos);
    seccion.hidden = elementos.length === 0;
  }

  function anunciar(texto) {
    const estado = document.getElementById('estado');
    if (estado) estado.textContent = texto;
  }

  function navegacionElecciones(c) {
    const lista = document.getElementById('elecciones');
    if (!lista || lista.querySelector('[data-eleccion]')) return;
    const prefijo = PAGINA === 'index' ? '' : 'index.html';
    const verificar = lista.querySelector('.verificar');
    for (const e of c.indice.elections) {
      lista.insertBefore(h('li', {}, h('a', { href: `${prefijo}${enlace([e.id])}`, 'data-eleccion': e.id }, e.title)), verificar);
    }
  }

  function marcarEleccion(partes, c) {
    const actual = partes[0] || (c.indice.elections[0] || {}).id;
    for (const a of document.querySelectorAll('[data-eleccion]')) {
      if (a.dataset.eleccion === actual && PAGINA === 'index') a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  async function pintar(enfocar) {
    const c = corte;
    const destino = document.getElementById('vista');
    if (!c || !destino) return;
    const mio = ++turno;
    destino.setAttribute('aria-busy', 'true');
    const partes = partesRuta();
    let nodos;
    try {
      nodos = await vista(c, partes);
    } catch (e) {
      nodos = [noEncontrado(`No se pudieron leer los datos del corte (${e.message}). Intente actualizar.`)];
    }
    if (mio !== turno) return; // otra navegación o actualización ganó
    destino.replaceChildren(...nodos.flat().filter(Boolean));
    destino.setAttribute('aria-busy', 'false');
    marcarEleccion(partes, c);
    const h1 = destino.querySelector('h1');
    if (h1) document.title = `${h1.textContent} · ${document.title.split(' · ').pop()}`;
    if (enfocar && h1) h1.focus();
  }

  /** Lee main.json (una vez, sin caché) y, si el corte cambió, su índice; luego vuelve a pintar. */
  async function actualizar(enfocar) {
    const boton = document.getElementById('actualizar');
    if (boton) boton.disabled = true;
    try {
      const p = await leerJson(MAIN, { cache: 'no-store' });
      if (!corte || corte.puntero.manifest_sha256 !== p.manifest_sha256) {
        const nuevo = { puntero: p, indice: null, archivos: new Map() };
        if (PAGINA === 'index') nuevo.indice = await leerJson(p.index, {});
        const habia = corte !== null;
        corte = nuevo;
        mostrarCorte(p);
        if (corte.indice) navegacionElecciones(corte);
        mostrarDifusores(corte);
        anunciar(habia ? `Nuevo corte: ${p.corte}.` : '');
      } else {
        anunciar(`Sin cambios: el corte de las ${p.corte} sigue vigente.`);
      }
      await pintar(enfocar);
    } catch (e) {
      anunciar(`No se pudo actualizar (${e.message}).`);
      const destino = document.getElementById('vista');
      if (destino && !corte) destino.replaceChildren(noEncontrado('No se pudo leer el corte vigente. Intente actualizar.'));
    } finally {
      if (boton) boton.disabled = false;
    }
  }

  document.getElementById('actualizar')?.addEventListener('click', () => actualizar(false));
  // Solo los enlaces #/… son rutas; el enlace para saltar al contenido solo mueve el foco.
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) pintar(true);
  });
  document.querySelector('.saltar')?.addEventListener('click', (ev) => {
    const principal = document.getElementById('contenido');
    if (!principal) return;
    ev.preventDefault();
    principal.focus();
  });
  if (AUTO_MIN > 0) setInterval(() => actualizar(false), AUTO_MIN * 60000);
  actualizar(false);
})();
