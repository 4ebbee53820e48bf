//! Symbols without debug info: where `_PyRuntime` and friends are.
//!
//! Reads `.dynsym` and `.symtab` of the executable and of the shared libraries the process had
//! mapped (the files on this machine, found by the source layer), and places them at the load
//! bias the process used. Works on stripped executables as long as the symbol is exported,
//! which CPython does for `_PyRuntime`, `Py_Version` and the type objects on every build that
//! supports extension modules.

use std::collections::HashMap;
use std::sync::Arc;

use goblin::elf::program_header::{PT_LOAD, PT_NOTE};
use goblin::elf::Elf;

use crate::source::{FileResolver, LocalFile};
use crate::source::{Memory, Reader, RemoteAddr};

/// An ELF file mapped into the process, with its symbols placed at their run-time addresses.
pub struct Module {
    /// Path as the process saw it.
    pub path: String,
    /// Address where the file's offset 0 was mapped.
    pub base: RemoteAddr,
    /// Run-time address minus link-time address.
    pub bias: u64,
    /// Bytes from `base` to the end of the last loadable segment (data and bss included).
    pub span: u64,
    pub file: Arc<LocalFile>,
    symbols: HashMap<String, u64>,
}

impl Module {
    /// The run-time address of `name`, from `.dynsym` or `.symtab`.
    pub fn symbol(&self, name: &str) -> Option<RemoteAddr> {
        self.symbols
            .get(name)
            .map(|&v| RemoteAddr(v.wrapping_add(self.bias)))
    }

    /// The file name without directories.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// The symbols hd looks for. Reading only these keeps parsing cheap.
pub const WANTED: &[&str] = &[
    "_PyRuntime",
    "Py_Version",
    "PyFrame_Type",
    "PyGen_Type",
    // The builtin types, recognised by address even where their memory is missing.
    "_PyNone_Type",
    "PyEllipsis_Type",
    "_PyNotImplemented_Type",
    "PyBool_Type",
    "PyLong_Type",
    "PyFloat_Type",
    "PyUnicode_Type",
    "PyBytes_Type",
    "PyList_Type",
    "PyTuple_Type",
    "PyDict_Type",
    "PySet_Type",
    "PyFrozenSet_Type",
    "PyCell_Type",
    "PyCode_Type",
    "PyModule_Type",
    "PyType_Type",
];

/// Opens the mapped file `path` as an ELF module of the process; `None` when the file is
/// missing, not ELF, or not mapped from its start.
pub fn load_module(files: &FileResolver, path: &str) -> Option<Module> {
    load_module_with(files, path, true)
}

fn load_module_with(files: &FileResolver, path: &str, report: bool) -> Option<Module> {
    let base = files
        .mappings()
        .iter()
        .filter(|m| {
            m.file_offset == 0 && m.path.strip_suffix(" (deleted)").unwrap_or(&m.path) == path
        })
        .map(|m| m.start)
        .min()?;
    let file = if report {
        files.open(path)?
    } else {
        files.probe(path)?
    };
    let elf = Elf::parse(&file.map).ok()?;
    let first_load = elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .map(|p| p.p_vaddr.saturating_sub(p.p_offset))
        .min()
        .unwrap_or(0);
    let bias = base.0.wrapping_sub(first_load);
    let span = elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .map(|p| p.p_vaddr.saturating_add(p.p_memsz))
        .max()
        .unwrap_or(first_load)
        .saturating_sub(first_load);
    let mut symbols = HashMap::new();
    let tables = [(&elf.dynsyms, &elf.dynstrtab), (&elf.syms, &elf.strtab)];
    for (syms, strtab) in tables {
        for sym in syms.iter() {
            if sym.st_value == 0 || sym.st_shndx == 0 {
                continue;
            }
            if let Some(name) = strtab.get_at(sym.st_name) {
                if WANTED.contains(&name) {
                    symbols.entry(name.to_string()).or_insert(sym.st_value);
                }
            }
        }
    }
    Some(Module {
        path: path.to_string(),
        base,
        bias,
        span,
        file,
        symbols,
    })
}

/// The GNU build-id of an ELF file's bytes, from its `PT_NOTE` segments.
pub fn build_id_in_file(bytes: &[u8]) -> Option<Vec<u8>> {
    let hdr = Elf::parse_header(bytes).ok()?;
    let le = hdr.e_ident[goblin::elf::header::EI_DATA] == goblin::elf::header::ELFDATA2LSB;
    let ctx = goblin::container::Ctx::new(
        if hdr.e_ident[goblin::elf::header::EI_CLASS] == goblin::elf::header::ELFCLASS64 {
            goblin::container::Container::Big
        } else {
            goblin::container::Container::Little
        },
        if le {
            goblin::container::Endian::Little
        } else {
            goblin::container::Endian::Big
        },
    );
    let phdrs = goblin::elf::ProgramHeader::parse(
        bytes,
        hdr.e_phoff as usize,
        usize::from(hdr.e_phnum.min(256)),
        ctx,
    )
    .ok()?;
    phdrs.iter().filter(|p| p.p_type == PT_NOTE).find_map(|p| {
        let start = usize::try_from(p.p_offset).ok()?;
        let end = start.checked_add(usize::try_from(p.p_filesz).ok()?)?;
        find_build_id_note(bytes.get(start..end)?, le)
    })
}

/// The GNU build-id of the ELF image mapped at `base`, read from the process's memory (the
/// kernel keeps the first page of every mapped ELF file in cores for this).
pub fn build_id_in_memory(mem: &dyn Memory, base: RemoteAddr) -> Option<Vec<u8>> {
    let mut ident = [0u8; 16];
    mem.read_exact(base, &mut ident).ok()?;
    if &ident[..4] != b"\x7fELF" {
        return None;
    }
    let is64 = ident[4] == 2;
    let le = ident[5] == 1;
    let ptr = if is64 { 8 } else { 4 };
    let r = Reader::new(mem, ptr, le);
    let (phoff, phentsize, phnum) = if is64 {
        (
            r.u64(base.offset(32)?).ok()?,
            r.u16(base.offset(54)?).ok()?,
            r.u16(base.offset(56)?).ok()?,
        )
    } else {
        (
            u64::from(r.u32(base.offset(28)?).ok()?),
            r.u16(base.offset(42)?).ok()?,
            r.u16(base.offset(44)?).ok()?,
        )
    };
    // (p_type, p_offset, p_vaddr, p_filesz) of each program header.
    let mut phdrs = Vec::new();
    for i in 0..u64::from(phnum.min(64)) {
        let ph = base.offset(phoff.checked_add(i.checked_mul(u64::from(phentsize))?)?)?;
        let p_type = r.u32(ph).ok()?;
        let (off, vaddr, filesz) = if is64 {
            (
                r.u64(ph.offset(8)?).ok()?,
                r.u64(ph.offset(16)?).ok()?,
                r.u64(ph.offset(32)?).ok()?,
            )
        } else {
            (
                u64::from(r.u32(ph.offset(4)?).ok()?),
                u64::from(r.u32(ph.offset(8)?).ok()?),
                u64::from(r.u32(ph.offset(16)?).ok()?),
            )
        };
        phdrs.push((p_type, off, vaddr, filesz));
    }
    let first_load = phdrs
        .iter()
        .filter(|p| p.0 == PT_LOAD)
        .map(|p| p.2.saturating_sub(p.1))
        .min()?;
    let bias = base.0.wrapping_sub(first_load);
    for &(p_type, _, vaddr, filesz) in &phdrs {
        if p_type != PT_NOTE || filesz > 4096 {
            continue;
        }
        let mut notes = vec![0u8; filesz as usize];
        if mem
            .read_exact(RemoteAddr(vaddr.wrapping_add(bias)), &mut notes)
            .is_err()
        {
            continue;
        }
        if let Some(id) = find_build_id_note(&notes, le) {
            return Some(id);
        }
    }
    None
}

fn find_build_id_note(mut b: &[u8], le: bool) -> Option<Vec<u8>> {
    let rd = |b: &[u8], o: usize| -> Option<u32> {
        let a: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    while b.len() >= 12 {
        let namesz = rd(b, 0)? as usize;
        let descsz = rd(b, 4)? as usize;
        let ntype = rd(b, 8)?;
        let name_end = 12usize.checked_add(namesz.checked_add(3)? & !3)?;
        let desc_end = name_end.checked_add(descsz.checked_add(3)? & !3)?;
        let name = b.get(12..12 + namesz)?;
        if ntype == goblin::elf::note::NT_GNU_BUILD_ID && name.starts_with(b"GNU") {
            return b.get(name_end..name_end + descsz).map(<[u8]>::to_vec);
        }
        b = b.get(desc_end..)?;
    }
    None
}

/// Finds the module that defines `_PyRuntime`: libpython first, then the executable, then
/// anything with "python" in its name, then the rest. Returns every module it parsed too.
pub fn find_python_module(files: &FileResolver) -> Option<Module> {
    let paths = files.paths();
    let exe = files.executable();
    let name_of = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let rank = |p: &str| {
        let n = name_of(p);
        if n.starts_with("libpython") {
            0
        } else if Some(p) == exe {
            1
        } else if n.starts_with("python") {
            2
        } else {
            3
        }
    };
    let mut order: Vec<&str> = paths.clone();
    order.sort_by_key(|p| rank(p));
    for p in order {
        // Skip files that can't hold an interpreter (locale archives, caches, fonts).
        if !(p.contains(".so") || Some(p) == exe || name_of(p).contains("python")) {
            continue;
        }
        // The interpreter's own files are needed; the rest are only looked into.
        if let Some(m) = load_module_with(files, p, rank(p) < 3) {
            if m.symbol("_PyRuntime").is_some() {
                return Some(m);
            }
        }
    }
    None
}
