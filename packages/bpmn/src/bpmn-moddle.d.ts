/** Local type shim for bpmn-moddle's runtime entry (its published types cover only the model). */
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(
      xml: string,
      typeName?: string,
    ): Promise<{ rootElement: unknown; warnings: Error[]; elementsById: Record<string, unknown> }>;
    toXML(element: unknown, options?: { format?: boolean }): Promise<{ xml: string }>;
  }
}

/** Local type shim for @bpmn-io/feel-lint (ships no types). */
declare module '@bpmn-io/feel-lint' {
  export interface LintMessage {
    readonly from: number;
    readonly to: number;
    readonly severity: 'error' | 'warning' | 'info';
    readonly type: string;
    readonly message: string;
  }
  export function lintExpression(
    expression: string,
    options?: {
      dialect?: 'expression' | 'unaryTests';
      parserDialect?: string;
      variables?: unknown[];
      builtins?: unknown[];
    },
  ): LintMessage[];
}
