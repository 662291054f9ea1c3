//! `hub-sde-import [--force | --if-empty] [ZIP PATH | ZIP URL | latest.jsonl URL]`: imports the SDE into
//! `$DATABASE_URL` (default source: CCP's `latest.jsonl`, whose build is skipped when it already serves).
//! `--if-empty` imports only into a database without static data (`just dev` seeds the fixture so).

use hub_sde::Outcome;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut force = false;
    let mut if_empty = false;
    let mut source = None;
    let mut database_url = std::env::var("DATABASE_URL").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--force" => force = true,
            "--if-empty" => if_empty = true,
            "--database-url" => database_url = args.next(),
            "-h" | "--help" => {
                println!("usage: hub-sde-import [--force | --if-empty] [--database-url URL] [zip path | zip URL | latest.jsonl URL]");
                return ExitCode::SUCCESS;
            }
            _ if source.is_none() => source = Some(arg),
            _ => {
                eprintln!("unexpected argument {arg:?} (see --help)");
                return ExitCode::from(2);
            }
        }
    }
    let Some(database_url) = database_url else {
        eprintln!("set DATABASE_URL or pass --database-url");
        return ExitCode::from(2);
    };
    let source = source.unwrap_or_else(|| hub_sde::LATEST_URL.to_owned());
    let mut client = match hub_sde::connect(&database_url).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot connect to the database: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A command-line tool reports its own wall time; nothing here runs in a worker.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    if if_empty {
        match hub_sde::load::current_build(&client).await {
            Ok(Some(build)) => {
                println!("sde: build {build} serves; not importing {source} (--if-empty)");
                return ExitCode::SUCCESS;
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("cannot read the current build: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    match hub_sde::import(&mut client, &source, force).await {
        Ok(Outcome::AlreadyCurrent { build }) => {
            println!("sde: build {build} already imported ({source}); nothing to do (--force re-imports)");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Imported { build, rows, skipped_files, skipped_fields }) => {
            let total: u64 = rows.iter().map(|(_, n)| n).sum();
            let secs = started.elapsed().as_secs_f64();
            let per_table: Vec<String> = rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
            println!(
                "sde: build {build} imported from {source}: {total} rows in {secs:.1} s ({:.0} rows/s): {}",
                rate(total, secs),
                per_table.join(", ")
            );
            if skipped_files + skipped_fields > 0 {
                println!(
                    "sde: skipped {skipped_files} unknown files and {skipped_fields} fields not imported \
                     (listed in sde.build.skipped)"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sde import failed, the previous import still serves: {e}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn rate(rows: u64, secs: f64) -> f64 {
    rows as f64 / secs.max(1e-9)
}
