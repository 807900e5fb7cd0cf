/**
 * Thin, typed access to bpmn-moddle: one cached moddle instance per dialect (Camunda 7 and
 * Camunda 8 descriptors must never share an instance), and helpers to read element properties
 * without `any`.
 */
import { BpmnModdle } from 'bpmn-moddle';
import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json' with { type: 'json' };
import { SHIDIAN_DESCRIPTOR } from './shidian-descriptor.js';

/** Which extension dialect a file is read with. */
export type Dialect = 'bpmn' | 'camunda7' | 'camunda8';

export const CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn';
export const ZEEBE_NS = 'http://camunda.org/schema/zeebe/1.0';

/** A moddle element as bpmn-moddle builds it (properties are dynamic). */
export interface ModdleElement {
  readonly $type: string;
  readonly id?: string;
  readonly $attrs?: Record<string, string>;
  readonly $parent?: ModdleElement;
  readonly [key: string]: unknown;
}

/** What `fromXML` resolves to. */
export interface ParseResult {
  readonly rootElement: ModdleElement;
  readonly warnings: ReadonlyArray<Error & { element?: ModdleElement; property?: string; value?: unknown }>;
  readonly elementsById: Readonly<Record<string, ModdleElement>>;
  readonly references: ReadonlyArray<{ element: ModdleElement; property: string; id: string }>;
}

/** The part of the bpmn-moddle API we use. */
export interface Moddle {
  fromXML(xml: string, typeName?: string): Promise<ParseResult>;
  toXML(element: ModdleElement, options?: { format?: boolean }): Promise<{ xml: string }>;
}

const cache = new Map<Dialect, Moddle>();

/** The shared moddle instance for a dialect (always with the `shidian:` descriptor). */
export function moddleFor(dialect: Dialect): Moddle {
  let m = cache.get(dialect);
  if (m === undefined) {
    const packages: Record<string, unknown> = { shidian: SHIDIAN_DESCRIPTOR };
    if (dialect === 'camunda7') packages.camunda = camundaDescriptor;
    if (dialect === 'camunda8') packages.zeebe = zeebeDescriptor;
    m = new BpmnModdle(packages) as unknown as Moddle;
    cache.set(dialect, m);
  }
  return m;
}

/** A string property, or undefined. */
export function str(el: ModdleElement | undefined, key: string): string | undefined {
  const v = el?.[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** A boolean property, or undefined. */
export function bool(el: ModdleElement | undefined, key: string): boolean | undefined {
  const v = el?.[key];
  return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
}

/** An element-valued property, or undefined. */
export function child(el: ModdleElement | undefined, key: string): ModdleElement | undefined {
  const v = el?.[key];
  return isElement(v) ? v : undefined;
}

/** A many-valued property (empty when absent). */
export function children(el: ModdleElement | undefined, key: string): readonly ModdleElement[] {
  const v = el?.[key];
  if (!Array.isArray(v)) return EMPTY;
  // moddle arrays hold elements only; copy only in the (never seen) case that one does not
  for (const x of v) if (!isElement(x)) return v.filter(isElement);
  return v as ModdleElement[];
}

const EMPTY: readonly ModdleElement[] = Object.freeze([]);

/** The id of a reference property (moddle resolves references to elements). */
export function refId(el: ModdleElement | undefined, key: string): string | undefined {
  const v = el?.[key];
  if (isElement(v)) return v.id;
  return typeof v === 'string' ? v : undefined;
}

export function isElement(v: unknown): v is ModdleElement {
  return typeof v === 'object' && v !== null && typeof (v as { $type?: unknown }).$type === 'string';
}

/** Extension elements (`<bpmn:extensionElements>` values) of an element. */
export function extensions(el: ModdleElement | undefined): readonly ModdleElement[] {
  return children(child(el, 'extensionElements'), 'values');
}

/** The first extension element of a type (`zeebe:FormDefinition`, `shidian:Deadline`, …). */
export function extension(el: ModdleElement | undefined, type: string): ModdleElement | undefined {
  const ext = el?.extensionElements as { values?: unknown } | undefined;
  const values = ext?.values;
  if (!Array.isArray(values)) return undefined;
  for (const x of values) if (isElement(x) && x.$type === type) return x;
  return undefined;
}
