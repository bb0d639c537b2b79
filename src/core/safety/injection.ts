import type { TextContext } from './context.js';
import { snippet } from './context.js';
import { isInjectionMention } from './form.js';
import { CHECK } from './triggers.js';

// prompt-injection: text written to steer the agent against its user. Strongest in
// SKILL.md prose, whose front matter and body go straight into the agent's context
// (the rule table in ./rules.ts gives the severity per context). A quoted,
// described or defensive phrase, and the weak signals (the word "exfiltrate",
// "enable developer mode", which is also a setting of Discord or Android), are the
// weak form. Case-insensitive; any run of whitespace between words.
//
// Hidden comments (<!-- … --> in Markdown/HTML, and Markdown's `[//]: # (…)`) do
// not render for a person reviewing the skill but are read by the model: a hidden
// comment that addresses the agent is reported even without a known phrase. Only
// in markup files (Markdown, HTML, text): in code or XML, "<!--" is a string or a
// developer's note.
//
// Each family runs only when one of its trigger words (./triggers.ts) was seen, and
// each family's regexes contain one of those words.

const W = String.raw`\s+`;
const OBJECTS = String.raw`(?:instructions?|prompts?|directions?|directives?|rules|guidelines|guidance|messages?|context|commands?|constraints|polic(?:y|ies)|guardrails|restrictions)`;

const FAMILIES: { check: number; re: RegExp; weak?: boolean; weakIf?: RegExp }[] = [
  {
    // ignore / disregard / forget / override / bypass (all) previous instructions …
    check: CHECK.INJ_IGNORE,
    re: new RegExp(
      [
        String.raw`\b(?:ignore|disregard|forget|override|bypass)${W}(?:(?:all|any|every|each)${W})?(?:of${W})?(?:(?:the|your|my|these|those|its)${W})?(?:previous|prior|above|earlier|preceding|former|original|initial|system|safety|developer|existing|other)${W}${OBJECTS}\b`,
        String.raw`\b(?:ignore|disregard|forget)${W}(?:all|any|every)${W}(?:instructions|rules|guidelines|restrictions)\b`,
        String.raw`\b(?:ignore|disregard|forget|override|bypass)${W}(?:(?:the|your|any)${W})?system${W}prompt\b`,
        String.raw`\bforget${W}everything${W}(?:above|before|(?:you|you've)${W}(?:were|have${W}been|been)${W}told)\b`,
      ].join('|'),
      'gi',
    ),
  },
  {
    // jailbreak personas: you are now in developer mode / DAN; enable developer mode.
    // Found at "now" / "mode" (cheap literals), the words before checked by lookbehind
    // (a lookbehind group marks where the phrase starts).
    check: CHECK.INJ_MODE,
    re: new RegExp(
      [
        String.raw`\bnow(?<=(\byou${W}are${W}now))${W}(?:in${W})?(?:an?${W})?(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|dan|evil)\b`,
        String.raw`\bmode\b(?<=(\b(?:enable|enter|activate|switch${W}to)${W}(?:developer|god|jailbreak|dan)${W}mode))`,
        String.raw`\bmode(?<=(\bdeveloper${W}mode))${W}(?:enabled|activated|on)\b`,
      ].join('|'),
      'dgi',
    ),
    // "enable developer mode" is also a setting of Discord, Android and Chrome: the weak form.
    weakIf: /^(?!you\s).*developer\s+mode/is,
  },
  {
    // concealment: do not tell the user; without telling the user; hide this from the user.
    // Found at "user", the phrase before it checked by lookbehind (group 1 is the phrase).
    check: CHECK.INJ_CONCEAL,
    re: new RegExp(
      String.raw`\buser\b(?<=(` +
        [
          String.raw`\b(?:do${W}not|don['’]?t|never)${W}(?:tell|inform|notify|alert|mention${W}(?:(?:this|it|these${W}\w+)${W})?to|reveal${W}(?:(?:this|it)${W})?to)`,
          String.raw`\bwithout${W}(?:telling|informing|notifying|alerting)`,
          String.raw`\b(?:hide|conceal|keep)${W}(?:this|it|these${W}\w+)${W}(?:(?:hidden|secret)${W})?from`,
        ].join('|') +
        String.raw`)${W}the${W}user)`,
      'dgi',
    ),
  },
  { check: CHECK.INJ_EXFIL, re: /\bexfiltrat(?:e|es|ed|ing)\b/gi, weak: true },
  {
    // reveal your system prompt — found at "prompt" / "instructions" (group 1 is the phrase)
    check: CHECK.INJ_PROMPT,
    re: new RegExp(
      String.raw`\b(?:prompt|instructions)\b(?<=(\b(?:reveal|print|output|repeat|leak|dump)${W}(?:your|the)${W}(?:(?:full|entire|hidden|original)${W})?(?:system${W}prompt|initial${W}instructions|hidden${W}instructions)))`,
      'dgi',
    ),
  },
  // chat-template control tokens
  { check: CHECK.INJ_TEMPLATE, re: /<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|>/gi },
];

/** Words that make a hidden comment an instruction to the agent. */
const ADDRESSES_AGENT =
  /\b(?:you\s+(?:must|need\s+to|are\s+to|have\s+to)|(?:the\s+)?(?:assistant|ai|agent|model|llm|claude|chatgpt|gpt|copilot)\s+(?:must|should|will|needs?\s+to)|(?<![-\w])(?:ignore|disregard)\s+(?:all|any|the|every|everything|previous|prior|above|earlier|your|these|those)\b|secretly|silently|covertly|without\s+(?:telling|informing|asking)|do\s+not\s+(?:tell|mention|reveal|inform|show)|don['’]?t\s+(?:tell|mention|reveal|inform|show)|system\s+prompt|instructions?\s+(?:for|to)\s+(?:the\s+)?(?:assistant|ai|agent|model))/i;

/** <!-- … --> (an unterminated one runs to the end), and Markdown link-definition comments `[//]: # (…)`. */
const HIDDEN_COMMENT = /<!--([\s\S]*?)(?:-->|$(?![\s\S]))|^[ \t]*\[(?:\/\/|comment|hidden)\]:[ \t]*(?:#|<>)[ \t]*\(([^\n]*)\)[ \t]*$/gim;

/** Files that are rendered (and extension-less files), so a comment in them is hidden from a reader. */
const MARKUP = /(?:\.(?:md|mdx|markdown|html?|xhtml|txt|rst)|(?:^|\/)[^/.]+)$/i;

export function scanInjection(ctx: TextContext, checks: number): void {
  const text = ctx.text;

  // Spans of hidden comments, so that phrases inside them say so.
  const hidden: [number, number][] = [];
  if (checks & CHECK.HIDDEN_COMMENT && MARKUP.test(ctx.path)) {
    const re = HIDDEN_COMMENT;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const body = m[1] ?? m[2] ?? '';
      hidden.push([m.index, m.index + m[0].length]);
      const a = ADDRESSES_AGENT.exec(body);
      if (a) {
        const at = m.index + m[0].indexOf(body) + a.index;
        ctx.report('prompt-injection', at, `hidden comment addresses the agent: "${snippet(body, 70)}"`);
      }
    }
  }

  for (const { check, re, weak, weakIf } of FAMILIES) {
    if (!(checks & check)) continue;
    if (check === CHECK.INJ_CONCEAL && !(checks & CHECK.INJ_CONCEAL_VERB)) continue;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      // Phrases found at a later word capture their start in a lookbehind group.
      const g = m.findIndex((v, i) => i > 0 && v !== undefined);
      const at = g > 0 && m.indices ? Math.min(m.indices[g][0], m.index) : m.index;
      const phrase = text.slice(at, m.index + m[0].length);
      const inHidden = hidden.some(([s, e]) => at >= s && at < e);
      const end = m.index + m[0].length;
      const mention = !inHidden && (weak === true || weakIf?.test(phrase) === true || isInjectionMention(text, at, end));
      ctx.report('prompt-injection', at, `${inHidden ? 'in a hidden comment: ' : ''}"${snippet(phrase, 70)}"`, mention);
    }
  }
}
