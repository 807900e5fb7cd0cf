/**
 * The moddle descriptor of the `shidian:` BPMN extension (documented in `docs/bpmn-extensions.md`).
 * Load it into a bpmn-moddle instance (or a bpmn-js modeler as `moddleExtensions: { shidian }`).
 *
 * @example
 * ```ts
 * import { BpmnModdle } from 'bpmn-moddle';
 * import { SHIDIAN_DESCRIPTOR } from '@shidian/bpmn';
 * const moddle = new BpmnModdle({ shidian: SHIDIAN_DESCRIPTOR });
 * ```
 */

/** Namespace URI of the `shidian:` extension. */
export const SHIDIAN_NS = 'https://shidian.dev/schema/bpmn/1.0';

const attr = (name: string, type = 'String') => ({ name, isAttr: true, type });

/** The descriptor (plain JSON, frozen). */
export const SHIDIAN_DESCRIPTOR = Object.freeze({
  name: 'shidian',
  prefix: 'shidian',
  uri: SHIDIAN_NS,
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    // Attributes on existing BPMN elements.
    {
      name: 'Staged',
      isAbstract: true,
      extends: ['bpmn:Process', 'bpmn:FlowNode'],
      properties: [attr('stage')],
    },
    { name: 'Noticing', isAbstract: true, extends: ['bpmn:FlowNode'], properties: [attr('notices')] },
    {
      name: 'HumanTask',
      isAbstract: true,
      extends: ['bpmn:UserTask'],
      properties: [attr('candidateUnits'), attr('returnMode'), attr('rejectTarget')],
    },
    {
      name: 'Connected',
      isAbstract: true,
      extends: ['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:EndEvent', 'bpmn:IntermediateThrowEvent'],
      properties: [attr('connector')],
    },
    // Extension elements (inside <bpmn:extensionElements>).
    {
      name: 'Deadline',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:Activity'] },
      properties: [
        attr('period'),
        attr('calendar'),
        attr('warning'),
        attr('onTimeout'),
        attr('escalateTo'),
        attr('budget'),
        attr('basis'),
        attr('from'),
      ],
    },
    {
      name: 'Form',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask', 'bpmn:StartEvent'] },
      properties: [attr('ref'), attr('binding'), attr('version')],
    },
    {
      name: 'Permissions',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask'] },
      properties: [{ name: 'fields', type: 'Field', isMany: true }],
    },
    { name: 'Field', superClass: ['Element'], properties: [attr('path'), attr('mode')] },
    {
      name: 'Approval',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:UserTask'] },
      properties: [attr('preset'), attr('ratio', 'Real')],
    },
  ],
});
