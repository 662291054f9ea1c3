//! `hub-migrate [DATABASE_URL]`: applies `migrations/` to the database (default: `$DATABASE_URL`).

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1).or_else(|| std::env::var("DATABASE_URL").ok()) else {
        eprintln!("usage: hub-migrate [DATABASE_URL]  (or set DATABASE_URL)");
        return ExitCode::from(2);
    };
    let dir = std::env::var_os("MIGRATIONS_DIR").map_or_else(hub_native::migrate::migrations_dir, Into::into);
    match hub_native::migrate::run(&url, &dir).await {
        Ok(applied) => {
            println!("migrations: {applied} applied, database up to date");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("migration failed: {e}");
            ExitCode::FAILURE
        }
    }
}
