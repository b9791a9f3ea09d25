// bpmnlint in the page: structural checks while drawing, before the server's own checks.
// The rules are bundled through bpmnlint's static resolver, so nothing is looked up at run
// time. Rules the engine really needs are errors (they block Deploy); the rest are advice.
import { Linter } from 'bpmnlint'
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver'
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process'
import conditionalFlows from 'bpmnlint/rules/conditional-flows'
import endEventRequired from 'bpmnlint/rules/end-event-required'
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway'
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event'
import fakeJoin from 'bpmnlint/rules/fake-join'
import labelRequired from 'bpmnlint/rules/label-required'
import linkEvent from 'bpmnlint/rules/link-event'
import noBpmndi from 'bpmnlint/rules/no-bpmndi'
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway'
import noDisconnected from 'bpmnlint/rules/no-disconnected'
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows'
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork'
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end'
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split'
import noImplicitStart from 'bpmnlint/rules/no-implicit-start'
import noInclusiveGateway from 'bpmnlint/rules/no-inclusive-gateway'
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements'
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event'
import singleEventDefinition from 'bpmnlint/rules/single-event-definition'
import startEventRequired from 'bpmnlint/rules/start-event-required'
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event'
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway'
import superfluousLabel from 'bpmnlint/rules/superfluous-label'

const RULES = {
  'ad-hoc-sub-process': [adHocSubProcess, 'error'],
  'conditional-flows': [conditionalFlows, 'error'],
  'end-event-required': [endEventRequired, 'error'],
  'event-based-gateway': [eventBasedGateway, 'error'],
  'event-sub-process-typed-start-event': [eventSubProcessTypedStartEvent, 'error'],
  'label-required': [labelRequired, 'error'],
  'link-event': [linkEvent, 'error'],
  'no-bpmndi': [noBpmndi, 'error'],
  'no-complex-gateway': [noComplexGateway, 'error'],
  'no-disconnected': [noDisconnected, 'error'],
  'no-duplicate-sequence-flows': [noDuplicateSequenceFlows, 'error'],
  'no-implicit-end': [noImplicitEnd, 'error'],
  'no-implicit-split': [noImplicitSplit, 'error'],
  'no-implicit-start': [noImplicitStart, 'error'],
  'single-blank-start-event': [singleBlankStartEvent, 'error'],
  'single-event-definition': [singleEventDefinition, 'error'],
  'start-event-required': [startEventRequired, 'error'],
  'sub-process-blank-start-event': [subProcessBlankStartEvent, 'error'],
  // Our own pathways join and fork in one gateway on purpose (a returned request rejoins
  // the flow at the same decision), so these only advise.
  'fake-join': [fakeJoin, 'warn'],
  'no-gateway-join-fork': [noGatewayJoinFork, 'warn'],
  'no-inclusive-gateway': [noInclusiveGateway, 'warn'],
  'no-overlapping-elements': [noOverlappingElements, 'warn'],
  'superfluous-gateway': [superfluousGateway, 'warn'],
  'superfluous-label': [superfluousLabel, 'warn']
}

const cache = {}
const config = { rules: {} }
for (const [name, [factory, category]] of Object.entries(RULES)) {
  cache[`rule:bpmnlint/${name}`] = factory
  config.rules[name] = category
}

const resolver = new StaticResolver(cache)

/**
 * Lint the diagram's definitions; a flat list of {elementId, message, rule, severity}.
 * @param {object} definitions the moddle root (bpmn:Definitions)
 * @returns {Promise<Array<{elementId: string, message: string, rule: string, severity: string}>>}
 */
export async function lint (definitions) {
  // A new linter each time: some rules keep what they saw, and the linter keeps its rules.
  const results = await new Linter({ config, resolver }).lint(definitions)
  const found = []
  for (const [rule, reports] of Object.entries(results)) {
    for (const report of reports) {
      found.push({
        elementId: report.id,
        message: report.message,
        rule,
        // A rule that crashed on an odd diagram must not stop a deploy the server accepts.
        severity: report.category === 'error' ? 'error' : 'warning'
      })
    }
  }
  return found
}
