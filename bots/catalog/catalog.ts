/**
 * The catalog: the org directory, the playbook and the knowledge atoms, held in memory by every
 * process so the message path never queries them. A snapshot is immutable; a reload builds a new
 * one (see watch.ts).
 */
import type { FiguresHolder } from '../reports/figures.ts';
import { eq } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { ActionKind, Platform } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { atoms, identities, people, playbookRules, teams } from '../../db/schema/index.ts';
import { catalogVersion } from './sync.ts';
import {
  type Atom,
  atomSchema,
  type Compliance,
  complianceSchema,
  type Funnel,
  funnelSchema,
  type Rule,
  ruleSchema,
  stageNameKey,
  type ValueScoreFormula,
  valueScoreSchema,
} from './schema.ts';

export interface Person {
  id: string;
  name: string;
  role: 'rep' | 'manager' | 'admin';
  teamId: string | null;
  manages: string[];
  active: boolean;
}

export interface Playbook {
  funnel: Funnel;
  rules: Rule[];
  compliance: Compliance;
  valueScore: ValueScoreFormula | null;
}

export class Catalog {
  readonly version: number;
  readonly playbook: Playbook;
  readonly atoms: ReadonlyMap<string, Atom>;
  readonly teams: ReadonlyMap<string, { id: string; name: string }>;
  /** The app's computed behaviour figures (set by its CatalogHolder); none for a catalog loaded on its own. */
  figures: FiguresHolder | undefined;
  readonly #people: Map<string, Person>;
  readonly #byPlatformId: Map<string, Person>;
  readonly #platformIds: Map<string, Map<Platform, string>>;
  /** Rule id → the action its timers end on (`before`): the analysis looks them up per message. */
  readonly beforeActions: ReadonlyMap<string, ActionKind>;
  /** A stage name's key (stageNameKey) → the stage: its id, its label and its aliases. */
  readonly #stageByKey: Map<string, string>;

  constructor(d: {
    version: number;
    people: Person[];
    identities: Array<{ platform: Platform; userId: string; personId: string }>;
    teams: Array<{ id: string; name: string }>;
    playbook: Playbook;
    atoms: Atom[];
  }) {
    this.version = d.version;
    this.playbook = d.playbook;
    this.atoms = new Map(d.atoms.map((a) => [a.id, a]));
    this.teams = new Map(d.teams.map((t) => [t.id, t]));
    this.figures = undefined;
    this.#people = new Map(d.people.map((p) => [p.id, p]));
    this.#byPlatformId = new Map();
    this.#platformIds = new Map();
    this.beforeActions = new Map(d.playbook.rules.flatMap((r) => (r.before ? [[r.id, r.before.action] as const] : [])));
    // The schema keeps names unique; were one not, the first stage in funnel order would keep it.
    const f = d.playbook.funnel;
    this.#stageByKey = new Map();
    for (const s of f.stages)
      for (const n of [s, f.labels[s] ?? s, ...(f.aliases[s] ?? [])]) if (!this.#stageByKey.has(stageNameKey(n))) this.#stageByKey.set(stageNameKey(n), s);
    for (const i of d.identities) {
      const p = this.#people.get(i.personId);
      if (!p) continue;
      this.#byPlatformId.set(`${i.platform}\u0000${i.userId}`, p);
      let ids = this.#platformIds.get(p.id);
      if (!ids) {
        ids = new Map();
        this.#platformIds.set(p.id, ids);
      }
      ids.set(i.platform, i.userId);
    }
  }

  person(id: string): Person | null {
    return this.#people.get(id) ?? null;
  }

  /** The directory person behind a platform user id, or null for a customer contact. */
  personByPlatformId(platform: Platform, userId: string): Person | null {
    return this.#byPlatformId.get(`${platform}\u0000${userId}`) ?? null;
  }

  /** A person's user ids by platform. */
  platformIds(personId: string): ReadonlyMap<Platform, string> {
    return this.#platformIds.get(personId) ?? new Map();
  }

  get people(): Iterable<Person> {
    return this.#people.values();
  }

  /** Active managers whose `manages` includes the team. */
  managersOf(teamId: string | null): Person[] {
    if (!teamId) return [];
    return [...this.#people.values()].filter((p) => p.active && p.role === 'manager' && p.manages.includes(teamId));
  }

  /**
   * A stage as managers read it (线索, 赢单 …), from the funnel's labels: the one name every report,
   * answer and console page shows it by.
   */
  stageLabel(stage: string): string {
    return this.playbook.funnel.labels[stage] ?? stage;
  }

  /** The stage people mean by a name: its id (won), its label (赢单) or one of its aliases. */
  stageByName(name: string): string | null {
    return this.#stageByKey.get(stageNameKey(name)) ?? null;
  }

  /** The won and lost stages. */
  get wonStage(): string {
    return this.playbook.funnel.closed[0]!;
  }
  get lostStage(): string {
    return this.playbook.funnel.closed[1]!;
  }
}

/** Reads the catalog as stored. */
export async function loadCatalog(db: Db): Promise<Catalog> {
  const version = await catalogVersion(db);
  const [personRows, identityRows, teamRows, ruleRows, atomRows] = await Promise.all([
    db.select().from(people),
    db.select().from(identities),
    db.select().from(teams),
    db.select().from(playbookRules).where(eq(playbookRules.enabled, true)),
    db.select().from(atoms).where(eq(atoms.enabled, true)),
  ]);
  const funnelRow = ruleRows.find((r) => r.id === '_funnel');
  if (!funnelRow) throw new AppError('CONFIG_INVALID', 'no playbook loaded: the funnel is missing');
  const scoreDef = ruleRows.find((r) => r.id === '_value_score')?.definition;
  return new Catalog({
    version,
    people: personRows.map((p) => ({ id: p.id, name: p.name, role: p.role, teamId: p.teamId, manages: p.manages, active: p.active })),
    identities: identityRows,
    teams: teamRows.map((t) => ({ id: t.id, name: t.name })),
    playbook: {
      funnel: funnelSchema.parse(funnelRow.definition),
      rules: ruleRows.filter((r) => !r.id.startsWith('_')).map((r) => ruleSchema.parse(r.definition)),
      compliance: complianceSchema.parse(ruleRows.find((r) => r.id === '_compliance')?.definition ?? {}),
      valueScore: scoreDef ? valueScoreSchema.parse(scoreDef) : null,
    },
    atoms: atomRows.map((a) => atomSchema.parse(a.definition)),
  });
}
