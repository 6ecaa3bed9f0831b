import type { Service } from '../service.js';
import type { AppConfig, BroodConfig, Services } from '../types.js';

/** Every field optional, all the way down: what a test overrides of the config. Arrays are replaced whole. */
export type DeepPartial<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** The app's config as a test may override it. */
export type ConfigOverride = DeepPartial<BroodConfig & AppConfig>;

/** The dotted names of the services under `T`: `links`, `admin.user`. */
type ServicePaths<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends Service ? `${Prefix}${K}` : ServicePaths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every service's dotted name, from the generated typings/brood.d.ts; any string without them. */
export type ServiceName = [keyof Services] extends [never] ? string : ServicePaths<Services>;

/** The service named `N`. */
export type ServiceAt<N extends string, T = Services> = N extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? ServiceAt<Rest, T[Head]>
    : never
  : N extends keyof T
    ? T[N]
    : never;

type Method = (...args: never[]) => unknown;

/** The methods of the service named `N`. */
export type MethodName<N extends string> = [keyof Services] extends [never]
  ? string
  : { [K in keyof ServiceAt<N>]: ServiceAt<N>[K] extends Method ? K : never }[keyof ServiceAt<N>] & string;

/** What may stand in for method `M` of service `N`: a function of the same type, `this` being the service. */
export type MethodMock<N extends string, M extends string> = [keyof Services] extends [never]
  ? // biome-ignore lint/suspicious/noExplicitAny: without typings, any arguments and result
    (this: Service, ...args: any[]) => unknown
  : M extends keyof ServiceAt<N>
    ? ServiceAt<N>[M] extends (...args: infer A) => infer R
      ? (this: ServiceAt<N>, ...args: A) => R
      : never
    : never;
