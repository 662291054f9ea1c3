// Every API type the web app uses, from one module: the types generated from the Rust API types
// by ts-rs (`just types` writes ./generated from crates/hub-api; `just test` fails when they
// drift), plus the shape the app reads from a notification's free-form `data`.

export type * from "./generated";

/**
 * The ids a notification's `data` carries (a JSON object set by the worker that sent it); read it
 * with `notificationData()`.
 */
export interface NotificationData {
  group_id?: string;
  group_name?: string;
  request_id?: string;
  invitation_id?: string;
  character_id?: number;
  message?: string;
}
