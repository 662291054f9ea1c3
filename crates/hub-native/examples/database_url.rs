//! `database_url ADMIN_URL NAME`: prints ADMIN_URL with its database replaced by NAME.
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(name)) = (args.next(), args.next()) else {
        eprintln!("usage: database_url ADMIN_URL NAME");
        std::process::exit(2);
    };
    println!("{}", hub_native::pg::with_database(&url, &name));
}
